package dev.kestrel.server.support;

import dev.kestrel.server.config.KestrelConfiguration;
import io.dropwizard.testing.junit5.DropwizardAppExtension;

/**
 * One application for every integration test class that needs nothing of its own: it starts with
 * the first class that uses it and stops when the test JVM ends, instead of a boot (engine,
 * database, Chromium) per class. Classes that share it make no claim about everything in the
 * organization (counts of all runs, of all tasks): they look at what they created themselves.
 */
final class SharedApp extends DropwizardAppExtension<KestrelConfiguration> {
  private boolean started;

  SharedApp(KestrelConfiguration config) {
    super(TestKestrelApplication.class, config);
  }

  @Override
  public synchronized void before() throws Exception {
    if (!started) {
      super.before();
      started = true;
      Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "shared-app-stop"));
    }
  }

  /** Called after each class: the next class goes on with the same application. */
  @Override
  public void after() {}

  private void stop() {
    super.after();
  }
}
