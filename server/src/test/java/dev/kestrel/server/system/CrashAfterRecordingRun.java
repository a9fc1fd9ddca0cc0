package dev.kestrel.server.system;

import dev.kestrel.server.KestrelApplication;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.store.Store;
import io.dropwizard.core.setup.Environment;
import java.sql.PreparedStatement;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;

/**
 * The server, halting as a crash would (exit 137, no shutdown hooks) right after it recorded a run
 * and before it could start the run's workflow: the one gap between store and engine.
 */
public class CrashAfterRecordingRun extends KestrelApplication {

  public static void main(String[] args) throws Exception {
    new CrashAfterRecordingRun().run(args);
  }

  @Override
  protected Store openStore(KestrelConfiguration config, Environment env) {
    Store store = super.openStore(config, env);
    store.jdbi().addCustomizer(
        new StatementCustomizer() {
          @Override
          public void afterExecution(PreparedStatement statement, StatementContext ctx) {
            if (ctx.getRawSql().startsWith("INSERT INTO runs ")) {
              Runtime.getRuntime().halt(137);
            }
          }
        });
    return store;
  }
}
