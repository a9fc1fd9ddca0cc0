package dev.kestrel.server.worker;

import dev.kestrel.activities.browser.BrowserActivitiesImpl;
import dev.kestrel.activities.browser.BrowserPool;
import dev.kestrel.activities.browser.BrowserSettings;
import dev.kestrel.activities.browser.SealedInputs;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.Checkpoints;
import dev.kestrel.store.JdbiRunRecorder;
import dev.kestrel.workflows.RunWorkflow;
import dev.kestrel.workflows.TaskQueues;
import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The browser side of a worker: opens sessions on its slots (shared queue) and runs the steps of
 * the sessions it holds, which reach it through a task queue of its own. It has its own engine
 * connection, so that losing it (a crash, a restart) takes nothing else down with it.
 */
public final class BrowserWorker implements Managed {
  private final String workerId;
  private final WorkflowClient client;
  private final WorkerFactory factory;
  private final BrowserPool pool;
  private final Duration shutdownGrace;

  public BrowserWorker(
      WorkflowClient client,
      BrowserSettings browser,
      JdbiRunRecorder recorder,
      ArtifactStore artifacts,
      Checkpoints checkpoints,
      SealedInputs sealed,
      Duration shutdownGrace,
      java.util.function.BiFunction<java.util.Collection<String>, Long, java.util.Set<String>>
          watchedLive,
      MeterRegistry meters) {
    this.shutdownGrace = shutdownGrace;
    this.workerId =
        hostName()
            + "-"
            + ProcessHandle.current().pid()
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    this.client = client;
    this.pool =
        new BrowserPool(workerId, browser, this::runHasEnded, watchedLive, artifacts, meters);
    this.factory = WorkerFactory.newInstance(client);
    BrowserActivitiesImpl activities =
        new BrowserActivitiesImpl(
            pool,
            recorder,
            artifacts,
            checkpoints,
            sealed,
            workerId,
            TaskQueues.worker(workerId),
            meters);
    // A session opening takes a task only when a slot can be had soon: the others wait in the
    // engine's queue, where fairness between organizations applies, not in this worker's memory.
    Worker shared =
        factory.newWorker(
            TaskQueues.BROWSER,
            WorkerOptions.newBuilder()
                .setMaxConcurrentActivityExecutionSize(browser.slots())
                .build());
    shared.registerActivitiesImplementations(activities);
    Worker own = factory.newWorker(TaskQueues.worker(workerId));
    own.registerActivitiesImplementations(activities);
  }

  private boolean runHasEnded(String runId) {
    try {
      return client.newUntypedWorkflowStub(RunWorkflow.workflowId(runId)).describe().getStatus()
          != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (WorkflowNotFoundException gone) {
      return true;
    }
  }

  public String workerId() {
    return workerId;
  }

  public BrowserPool pool() {
    return pool;
  }

  @Override
  public void start() {
    factory.start();
    pool.warmUp();
  }

  /**
   * A graceful stop (SIGTERM): takes no new browser work, lets the steps in progress end within the
   * grace period, then closes the browsers. The next step of each run finds no worker on this
   * worker's queue, so its session restarts from step 1 on the next worker to come (the log says
   * so): the run is handed over, not lost.
   */
  @Override
  public void stop() {
    factory.shutdown();
    factory.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS);
    halt();
  }

  /**
   * Stops at once, as a crash would: the engine connection goes first, so in-flight steps are
   * abandoned without a word to the engine (it notices through their missed heartbeats, as it would
   * for a dead process), then the browsers are closed.
   */
  public void halt() {
    client.getWorkflowServiceStubs().shutdownNow();
    factory.shutdownNow();
    pool.close();
    factory.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "worker";
    }
  }
}
