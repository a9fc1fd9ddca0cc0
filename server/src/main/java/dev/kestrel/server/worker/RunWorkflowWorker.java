package dev.kestrel.server.worker;

import dev.kestrel.workflows.RunWorkflowImpl;
import dev.kestrel.workflows.TaskQueues;
import dev.kestrel.workflows.TaskScheduleWorkflowImpl;
import dev.kestrel.workflows.WebhookWorkflowImpl;
import io.dropwizard.lifecycle.Managed;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.util.concurrent.TimeUnit;

/**
 * The deterministic side of a worker: executes run workflows and their local activities that write
 * the run index, schedules' firings (which queue runs), and webhook workflows with their delivery
 * activities. Apart from the browser side so that each scales (and fails) on its own.
 */
public final class RunWorkflowWorker implements Managed {
  private final WorkflowClient client;
  private final WorkerFactory factory;

  /**
   * {@code activities}: the run index writer, the firings' admission and both sides of webhooks.
   */
  public RunWorkflowWorker(WorkflowClient client, Object... activities) {
    this.client = client;
    this.factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(TaskQueues.RUNS);
    worker.registerWorkflowImplementationTypes(
        RunWorkflowImpl.class, WebhookWorkflowImpl.class, TaskScheduleWorkflowImpl.class);
    worker.registerActivitiesImplementations(activities);
  }

  @Override
  public void start() {
    factory.start();
  }

  @Override
  public void stop() {
    factory.shutdown();
    factory.awaitTermination(10, TimeUnit.SECONDS);
    factory.shutdownNow();
    client.getWorkflowServiceStubs().shutdown();
  }
}
