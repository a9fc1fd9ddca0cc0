package dev.kestrel.server.support;

import dev.kestrel.server.Installation;
import dev.kestrel.server.KestrelApplication;
import dev.kestrel.server.config.KestrelConfiguration;
import io.dropwizard.core.setup.Environment;

/**
 * The application as the tests start it, keeping what it installed so that tests can drive the
 * parts.
 */
public class TestKestrelApplication extends KestrelApplication {
  private volatile Installation installation;

  @Override
  public void run(KestrelConfiguration config, Environment env) throws Exception {
    installation = install(config, env);
  }

  public Installation installation() {
    return installation;
  }
}
