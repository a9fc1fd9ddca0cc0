package dev.kestrel.server.core;

import io.dropwizard.lifecycle.Managed;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs the gaps between the store and the engine, so that no accepted run waits forever: once
 * at start, runs the engine has lost ({@link RunRecovery}); then periodically, runs recorded whose
 * workflow was never started (the API crashed in between), which are started late rather than lost.
 */
public final class RunReconciler implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(RunReconciler.class);
  /** Younger runs may still be in the hands of the request that accepted them. */
  private static final long GRACE_MILLIS = 10_000;

  private final RunService service;
  private final RunRecovery recovery;
  private final int intervalSeconds;
  private volatile boolean recovered;
  private ScheduledExecutorService timer;

  public RunReconciler(RunService service, RunRecovery recovery, int intervalSeconds) {
    this.service = service;
    this.recovery = recovery;
    this.intervalSeconds = intervalSeconds;
  }

  @Override
  public void start() {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "run-reconciler");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::reconcile, 1, intervalSeconds, TimeUnit.SECONDS);
  }

  /**
   * Until it has succeeded once, starts again the runs the engine lost; then starts every run
   * recorded more than a grace period ago whose workflow never started. Returns how many started.
   */
  public int reconcile() {
    AtomicInteger started = new AtomicInteger();
    try {
      if (!recovered) {
        int lost = recovery.recover();
        recovered = true;
        if (lost > 0) {
          LOG.warn("Started {} runs again that the workflow engine had lost", lost);
        }
        started.addAndGet(lost);
      }
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

  @Override
  public void stop() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
