package dev.kestrel.workflows;

import dev.kestrel.model.WebhookEvent;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;

/**
 * Delivers the events of one run to one webhook endpoint, one at a time and in lifecycle order, and
 * the run's log entries in batches while it executes. Started (or signalled) by {@link
 * WebhookEventActivities#announce}; ends after the run's terminal event.
 */
@WorkflowInterface
public interface WebhookWorkflow {

  static String workflowId(String endpointId, String runId) {
    return "webhook-" + endpointId + "-run-" + runId;
  }

  /** A webhook workflow whose run never ends (terminated by an operator) gives up after this. */
  Duration LIFETIME = Duration.ofDays(7);

  /**
   * How an endpoint's workflow for a run is started (signal-with-start): on the runs queue, once
   * per (endpoint, run). A finished workflow delivered the terminal event, so a late repeat of an
   * announcement must not start another.
   */
  static WorkflowOptions startOptions(String endpointId, String runId, String url) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId(endpointId, runId))
        .setTaskQueue(TaskQueues.RUNS)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
        .setWorkflowExecutionTimeout(LIFETIME)
        .setStaticSummary("Webhook events of run " + runId + " to " + url)
        .build();
  }

  @WorkflowMethod
  void deliver(WebhookInput input);

  /**
   * A lifecycle event of the run; {@code deliveryId} is null when the endpoint does not take it.
   */
  @SignalMethod
  void announce(RunEventNotice notice);

  record RunEventNotice(WebhookEvent event, String deliveryId) {}

  /**
   * What the workflow needs, plus the state it carries over a continue-as-new: the log cursor,
   * whether the run is executing, and the events already announced.
   */
  record WebhookInput(
      String endpointId,
      String runId,
      boolean wantsLogs,
      DeliverySettings settings,
      long logCursor,
      boolean running,
      List<WebhookEvent> announced) {

    public static WebhookInput start(
        String endpointId, String runId, boolean wantsLogs, DeliverySettings settings) {
      return new WebhookInput(endpointId, runId, wantsLogs, settings, 0, false, List.of());
    }
  }

  /**
   * Retry schedule and pacing, fixed when the workflow starts (workflow input), so that changing
   * the configuration never breaks replay of deliveries in flight.
   */
  record DeliverySettings(
      int maxRetries,
      long initialRetryMillis,
      double backoffCoefficient,
      long maxRetryMillis,
      int requestTimeoutSeconds,
      long logBatchIntervalMillis) {

    /** Attempts at 0 s, then 10 s, 20 s, 40 s, 80 s, 160 s and 320 s later (about 10.5 min). */
    public static DeliverySettings defaults() {
      return new DeliverySettings(6, 10_000, 2.0, 600_000, 10, 3_000);
    }
  }
}
