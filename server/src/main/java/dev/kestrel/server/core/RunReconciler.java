package dev.kestrel.server.core;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs the one gap between the store and the engine that can open while the API runs: a run
 * recorded whose workflow was never started (the API crashed in between). Such runs are started
 * late rather than lost. (Runs the engine itself lost are {@link RunRecovery}'s, once at start.)
 */
public final class RunReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(RunReconciler.class);

  /** Younger runs may still be in the hands of the request that accepted them. */
  private static final long GRACE_MILLIS = 10_000;

  private final RunService service;
  private final int intervalSeconds;

  public RunReconciler(RunService service, int intervalSeconds) {
    this.service = service;
    this.intervalSeconds = intervalSeconds;
  }

  /** Reconciles every interval on {@code timer} (the process's lifecycle stops it). */
  public void scheduleOn(ScheduledExecutorService timer) {
    timer.scheduleWithFixedDelay(this::reconcile, 1, intervalSeconds, TimeUnit.SECONDS);
  }

  /** Starts every run recorded more than a grace period ago whose workflow never started. */
  public int reconcile() {
    AtomicInteger started = new AtomicInteger();
    try {
      service.startUnstarted(
          System.currentTimeMillis() - GRACE_MILLIS,
          100,
          runId -> {
            LOG.info("Started the workflow of run {}, accepted but not started before", runId);
            started.incrementAndGet();
          });
    } catch (EngineUnavailable e) {
      LOG.warn("Workflow engine unavailable; will retry unstarted runs later");
    } catch (RuntimeException e) {
      LOG.error("Reconciling unstarted runs failed", e);
    }
    return started.get();
  }
}
