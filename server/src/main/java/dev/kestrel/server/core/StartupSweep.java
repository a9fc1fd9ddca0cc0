package dev.kestrel.server.core;

import io.dropwizard.lifecycle.Managed;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A repair that runs once after start, in the background, until it succeeds: retried every few
 * seconds while the engine cannot be reached, given up when the process stops.
 */
public final class StartupSweep implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(StartupSweep.class);
  private static final long RETRY_MILLIS = 5_000;

  private final String name;
  private final Callable<Integer> sweep;
  private Thread thread;

  /** {@code sweep} returns how many things it handed to the engine again. */
  public StartupSweep(String name, Callable<Integer> sweep) {
    this.name = name;
    this.sweep = sweep;
  }

  @Override
  public void start() {
    thread = new Thread(this::runUntilDone, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void runUntilDone() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        int repaired = sweep.call();
        if (repaired > 0) {
          LOG.warn("{}: handed {} to the engine again", name, repaired);
        }
        return;
      } catch (Exception e) {
        LOG.warn("{}: will try again, the engine did not answer ({})", name, e.getMessage());
      }
      try {
        Thread.sleep(RETRY_MILLIS);
      } catch (InterruptedException stopped) {
        return;
      }
    }
  }

  @Override
  public void stop() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
