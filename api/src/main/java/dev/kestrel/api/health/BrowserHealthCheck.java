package dev.kestrel.api.health;

import com.codahale.metrics.health.HealthCheck;
import dev.kestrel.api.core.BrowserWorker;
import java.util.function.Supplier;

/** This process's worker can launch Chromium and open a page (or is busy doing so for runs). */
public class BrowserHealthCheck extends HealthCheck {
  private final Supplier<BrowserWorker> worker;

  public BrowserHealthCheck(Supplier<BrowserWorker> worker) {
    this.worker = worker;
  }

  @Override
  protected Result check() throws Exception {
    BrowserWorker current = worker.get();
    current.pool().probe();
    return Result.healthy(
        "worker " + current.workerId() + ", " + current.pool().openSessions() + " sessions open");
  }
}
