package dev.kestrel.server.cli;

import dev.kestrel.engine.StartupFailure;
import dev.kestrel.server.config.KestrelConfiguration;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ServerCommand;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * {@code server}: the public API and, unless {@code worker.enabled: false}, a worker. A start that
 * cannot succeed as configured ({@link StartupFailure}) says why in one message, without a stack
 * trace, and the process exits non-zero.
 */
public class ServeCommand extends ServerCommand<KestrelConfiguration> {
  public ServeCommand(Application<KestrelConfiguration> application) {
    this(
        application, "server", "Runs the public API and, unless worker.enabled is false, a worker");
  }

  protected ServeCommand(
      Application<KestrelConfiguration> application, String name, String description) {
    super(application, name, description);
  }

  @Override
  public void onError(Cli cli, Namespace namespace, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StartupFailure failure) {
        cli.getStdErr().println("Kestrel cannot start: " + failure.getMessage());
        cli.getStdErr().flush();
        return;
      }
    }
    super.onError(cli, namespace, e);
  }
}
