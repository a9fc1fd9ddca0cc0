package dev.kestrel.server.cli;

import com.codahale.metrics.MetricRegistry;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.store.Store;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.db.ManagedDataSource;
import net.sourceforge.argparse4j.inf.Namespace;
import org.jdbi.v3.core.Jdbi;

/**
 * An operator command on the store. It opens the same database as the server (the embedded H2 one
 * too, while the server runs), so no one edits the database by hand.
 */
abstract class StoreCommand extends ConfiguredCommand<KestrelConfiguration> {
  StoreCommand(String name, String description) {
    super(name, description);
  }

  @Override
  protected void run(
      Bootstrap<KestrelConfiguration> bootstrap, Namespace namespace, KestrelConfiguration config)
      throws Exception {
    // An operator command prints what it did; the store's migration check is not news here.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.flywaydb"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    ManagedDataSource dataSource = config.database().build(new MetricRegistry(), "cli");
    try {
      Store store =
          Store.open(
              dataSource,
              Jdbi.create(dataSource),
              bootstrap.getObjectMapper(),
              config.limits().store(),
              config.dataDir().resolve("artifacts"));
      run(
          namespace,
          new Organizations(store.organizations(), store.apiKeys()),
          store.organizations(),
          store.apiKeys());
    } finally {
      dataSource.stop();
    }
  }

  /**
   * An operator's mistake (unknown organization, duplicate name) is one line, not a stack trace.
   */
  @Override
  public void onError(io.dropwizard.core.cli.Cli cli, Namespace namespace, Throwable e) {
    if (e instanceof IllegalArgumentException) {
      cli.getStdErr().println("error: " + e.getMessage());
    } else {
      super.onError(cli, namespace, e);
    }
  }

  abstract void run(
      Namespace namespace, Organizations operator, OrganizationDao organizations, ApiKeyDao keys);
}
