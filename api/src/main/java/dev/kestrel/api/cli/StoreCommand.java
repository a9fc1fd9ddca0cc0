package dev.kestrel.api.cli;

import com.codahale.metrics.MetricRegistry;
import dev.kestrel.api.KestrelConfiguration;
import dev.kestrel.api.core.Organizations;
import dev.kestrel.api.db.ApiKeyDao;
import dev.kestrel.api.db.Database;
import dev.kestrel.api.db.OrganizationDao;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.db.ManagedDataSource;
import net.sourceforge.argparse4j.inf.Namespace;
import org.jdbi.v3.core.Jdbi;

/**
 * An operator command on the store. It opens the same database as the server (the embedded H2
 * one too, while the server runs), so no one edits the database by hand.
 */
abstract class StoreCommand extends ConfiguredCommand<KestrelConfiguration> {
  StoreCommand(String name, String description) {
    super(name, description);
  }

  @Override
  protected void run(Bootstrap<KestrelConfiguration> bootstrap, Namespace namespace, KestrelConfiguration config)
      throws Exception {
    ManagedDataSource dataSource = config.database().build(new MetricRegistry(), "cli");
    try {
      Database.migrate(dataSource);
      Jdbi jdbi = Jdbi.create(dataSource);
      OrganizationDao organizations = new OrganizationDao(jdbi);
      ApiKeyDao keys = new ApiKeyDao(jdbi);
      run(namespace, new Organizations(organizations, keys), organizations, keys);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      throw e;
    } finally {
      dataSource.stop();
    }
  }

  abstract void run(Namespace namespace, Organizations operator, OrganizationDao organizations, ApiKeyDao keys);
}
