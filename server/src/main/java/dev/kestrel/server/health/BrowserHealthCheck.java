package dev.kestrel.server.health;

import com.codahale.metrics.health.HealthCheck;
import dev.kestrel.activities.browser.BrowserPool;
import java.util.function.Supplier;

/** This process's worker can launch Chromium and open a page (or is busy doing so for runs). */
public class BrowserHealthCheck extends HealthCheck {
  private final Supplier<BrowserPool> pool;

  /**
   * {@code pool} is asked on every check: the worker's pool may be replaced while the process runs.
   */
  public BrowserHealthCheck(Supplier<BrowserPool> pool) {
    this.pool = pool;
  }

  @Override
  protected Result check() {
    BrowserPool current = pool.get();
    try {
      current.probe();
    } catch (Exception e) {
      return Result.unhealthy(
          "Chromium at "
              + current.settings().chromiumPath()
              + " cannot open a page (worker.chromiumPath; on Debian `apt-get install chromium`): "
              + HealthMessages.oneLine(e));
    }
    return Result.healthy(
        "worker " + current.workerId() + ", " + current.openSessions() + " sessions open");
  }
}
