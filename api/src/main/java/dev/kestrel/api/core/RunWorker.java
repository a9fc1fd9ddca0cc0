package dev.kestrel.api.core;

import dev.kestrel.activities.browser.ArtifactStore;
import dev.kestrel.activities.browser.BrowserActivitiesImpl;
import dev.kestrel.activities.browser.BrowserPool;
import dev.kestrel.activities.browser.BrowserSettings;
import dev.kestrel.activities.record.RunRecordActivitiesImpl;
import dev.kestrel.activities.record.RunRecorder;
import dev.kestrel.workflows.RunWorkflowImpl;
import dev.kestrel.workflows.TaskQueues;
import io.dropwizard.lifecycle.Managed;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.net.InetAddress;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A worker: executes run workflows, opens browser sessions on its slots, and runs the steps of the
 * sessions it holds, which reach it through a task queue of its own.
 */
public final class RunWorker implements Managed {
  private final String workerId;
  private final WorkerFactory factory;
  private final BrowserPool pool;

  public RunWorker(
      WorkflowClient client, BrowserSettings browser, RunRecorder recorder, ArtifactStore artifacts) {
    this.workerId = hostName() + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.pool = new BrowserPool(workerId, browser, recorder);
    this.factory = WorkerFactory.newInstance(client);
    BrowserActivitiesImpl browserActivities =
        new BrowserActivitiesImpl(pool, recorder, artifacts, workerId, TaskQueues.worker(workerId));
    Worker runs = factory.newWorker(TaskQueues.RUNS);
    runs.registerWorkflowImplementationTypes(RunWorkflowImpl.class);
    runs.registerActivitiesImplementations(browserActivities, new RunRecordActivitiesImpl(recorder));
    Worker own = factory.newWorker(TaskQueues.worker(workerId));
    own.registerActivitiesImplementations(browserActivities);
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

  /** Lets running steps finish for a moment, then stops; their runs restart elsewhere. */
  @Override
  public void stop() {
    factory.shutdown();
    factory.awaitTermination(5, TimeUnit.SECONDS);
    halt();
  }

  /** Stops at once, as a crash would: in-flight steps are abandoned and their sessions closed. */
  public void halt() {
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
