package dev.kestrel.server.system;

import dev.kestrel.server.KestrelApplication;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.store.Store;
import io.dropwizard.core.setup.Environment;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.jdbi.v3.core.transaction.DelegatingTransactionHandler;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The server, halting as a crash would (exit 137, no shutdown hooks) right after it recorded a run
 * (the insert committed, alone or with the limit checks of its transaction) and before it could
 * start the run's workflow: the one gap between store and engine.
 */
public class CrashAfterRecordingRun extends KestrelApplication {
  private static final ThreadLocal<Boolean> RECORDED = ThreadLocal.withInitial(() -> false);

  public static void main(String[] args) throws Exception {
    new CrashAfterRecordingRun().run(args);
  }

  @Override
  protected Store openStore(KestrelConfiguration config, Environment env) {
    Store store = super.openStore(config, env);
    store
        .jdbi()
        .addCustomizer(
            new StatementCustomizer() {
              @Override
              public void afterExecution(PreparedStatement statement, StatementContext ctx)
                  throws SQLException {
                if (ctx.getRawSql().startsWith("INSERT INTO runs ")) {
                  if (ctx.getConnection().getAutoCommit()) {
                    Runtime.getRuntime().halt(137);
                  }
                  RECORDED.set(true); // Halt once its transaction has committed.
                }
              }
            });
    store
        .jdbi()
        .setTransactionHandler(
            new DelegatingTransactionHandler(store.jdbi().getTransactionHandler()) {
              @Override
              public <R, X extends Exception> R inTransaction(
                  Handle handle, HandleCallback<R, X> callback) throws X {
                return haltIfRecorded(super.inTransaction(handle, callback));
              }

              @Override
              public <R, X extends Exception> R inTransaction(
                  Handle handle, TransactionIsolationLevel level, HandleCallback<R, X> callback)
                  throws X {
                return haltIfRecorded(super.inTransaction(handle, level, callback));
              }
            });
    return store;
  }

  private static <R> R haltIfRecorded(R result) {
    if (RECORDED.get()) {
      Runtime.getRuntime().halt(137);
    }
    return result;
  }
}
