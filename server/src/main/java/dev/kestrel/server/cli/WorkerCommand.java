package dev.kestrel.server.cli;

import dev.kestrel.server.config.KestrelConfiguration;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * {@code worker}: executes runs and nothing else. It serves only the admin port (health, metrics);
 * scale browser capacity by starting more of these against the same Temporal cluster.
 */
public class WorkerCommand extends ServeCommand {
  public WorkerCommand(Application<KestrelConfiguration> application) {
    super(
        application, "worker", "Runs a worker only: executes runs; no public API, admin port only");
  }

  @Override
  protected void run(
      Bootstrap<KestrelConfiguration> bootstrap, Namespace namespace, KestrelConfiguration config)
      throws Exception {
    config.apiEnabled(false);
    config.worker().enabled(true);
    if (config.getServerFactory() instanceof DefaultServerFactory server) {
      server.setApplicationConnectors(List.of());
    }
    super.run(bootstrap, namespace, config);
  }
}
