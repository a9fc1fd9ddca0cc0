package dev.kestrel.api.health;

import com.codahale.metrics.health.HealthCheck;
import dev.kestrel.api.core.RunWorker;
import java.util.function.Supplier;

/** This process's worker can launch Chromium and open a page (or is busy doing so for runs). */
public class BrowserHealthCheck extends HealthCheck {
  private final Supplier<RunWorker> worker;

  public BrowserHealthCheck(Supplier<RunWorker> worker) {
    this.worker = worker;
  }

  @Override
  protected Result check() throws Exception {
    RunWorker current = worker.get();
    current.pool().probe();
    return Result.healthy(
        "worker " + current.workerId() + ", " + current.pool().openSessions() + " sessions open");
  }
}
