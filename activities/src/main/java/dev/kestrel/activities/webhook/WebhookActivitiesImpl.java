package dev.kestrel.activities.webhook;

import dev.kestrel.activities.webhook.WebhookStore.Attempt;
import dev.kestrel.activities.webhook.WebhookStore.Delivery;
import dev.kestrel.activities.webhook.WebhookStore.LogSlice;
import dev.kestrel.activities.webhook.WebhookStore.RunSnapshot;
import dev.kestrel.activities.webhook.WebhookStore.Subscription;
import dev.kestrel.model.Timestamps;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.workflows.TaskQueues;
import dev.kestrel.workflows.WebhookActivities;
import dev.kestrel.workflows.WebhookWorkflow;
import dev.kestrel.workflows.WebhookWorkflow.DeliverySettings;
import dev.kestrel.workflows.WebhookWorkflow.RunEventNotice;
import dev.kestrel.workflows.WebhookWorkflow.WebhookInput;
import io.temporal.activity.Activity;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

public class WebhookActivitiesImpl implements WebhookActivities {
  /** A webhook workflow whose run never ends (terminated by an operator) gives up after this. */
  static final Duration WORKFLOW_LIFETIME = Duration.ofDays(7);

  private final WebhookStore store;
  private final WorkflowClient client;
  private final WebhookSender sender;
  private final DeliverySettings settings;
  private final int logBatchSize;

  public WebhookActivitiesImpl(
      WebhookStore store, WorkflowClient client, WebhookSender sender, DeliverySettings settings, int logBatchSize) {
    this.store = store;
    this.client = client;
    this.sender = sender;
    this.settings = settings;
    this.logBatchSize = logBatchSize;
  }

  @Override
  public void announce(String runId, WebhookEvent event) {
    Optional<RunSnapshot> found = store.run(runId);
    if (found.isEmpty()) {
      return;
    }
    RunSnapshot run = found.get();
    for (Subscription endpoint : store.subscriptions(run.organizationId(), run.taskId())) {
      boolean takesEvent = endpoint.takes(event);
      boolean takesLogs = endpoint.takes(WebhookEvent.LOG);
      if (!takesEvent && !takesLogs) {
        continue;
      }
      String deliveryId = null;
      if (takesEvent) {
        deliveryId = deliveryId(endpoint.endpointId(), runId, event.wireName());
        store.recordDelivery(deliveryId, endpoint.endpointId(), runId, event, run.body());
      }
      signal(endpoint, runId, takesLogs, new RunEventNotice(event, deliveryId));
    }
  }

  /** Signal-with-start: the endpoint's workflow for this run is started by the first event it gets. */
  private void signal(Subscription endpoint, String runId, boolean takesLogs, RunEventNotice notice) {
    WebhookWorkflow workflow =
        client.newWorkflowStub(
            WebhookWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WebhookWorkflow.workflowId(endpoint.endpointId(), runId))
                .setTaskQueue(TaskQueues.RUNS)
                // A finished workflow delivered the terminal event: a late repeat must not start another.
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .setWorkflowExecutionTimeout(WORKFLOW_LIFETIME)
                .setStaticSummary("Webhook events of run " + runId + " to " + endpoint.url())
                .build());
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(workflow::deliver, WebhookInput.start(endpoint.endpointId(), runId, takesLogs, settings));
    request.add(workflow::announce, notice);
    try {
      client.signalWithStart(request);
    } catch (WorkflowExecutionAlreadyStarted finished) {
      // This run's events to this endpoint are all delivered already.
    }
  }

  @Override
  public LogBatchRef prepareLogBatch(String endpointId, String runId, long afterSeq) {
    Optional<LogSlice> slice = store.logsAfter(runId, afterSeq, logBatchSize);
    if (slice.isEmpty()) {
      return null;
    }
    // Derived from the cursor, so a retried preparation records the same delivery.
    String deliveryId = deliveryId(endpointId, runId, "log-after-" + afterSeq);
    store.recordDelivery(deliveryId, endpointId, runId, WebhookEvent.LOG, slice.get().body());
    return new LogBatchRef(deliveryId, slice.get().lastSeq(), slice.get().more());
  }

  @Override
  public boolean deliver(String deliveryId) {
    Optional<Delivery> found = store.delivery(deliveryId);
    if (found.isEmpty()) {
      return false;
    }
    Delivery d = found.get();
    int attempt = Activity.getExecutionContext().getInfo().getAttempt();
    long at = System.currentTimeMillis();
    byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
    WebhookSender.Result result = sender.send(d.url(), headers(d, Timestamps.iso(at), body), body);
    store.recordAttempt(
        new Attempt(
            deliveryId, d.endpointId(), attempt, result.statusCode(), result.error(), result.delivered(), result.durationMs(), at));
    if (result.delivered()) {
      return true;
    }
    // Benign: a receiver that is down is the receiver's business; the SDK logs it without a stack trace.
    throw ApplicationFailure.newBuilder()
        .setMessage(result.error())
        .setType(result.refused() ? EGRESS_REFUSED : DELIVERY_FAILED)
        .setNonRetryable(result.refused())
        .setCategory(ApplicationErrorCategory.BENIGN)
        .build();
  }

  static Map<String, String> headers(Delivery d, String timestamp, byte[] body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    headers.put("user-agent", "Kestrel-Webhooks/1");
    headers.put("x-komos-event", d.event().wireName());
    headers.put("x-komos-signature", WebhookSigner.signatureHeader(d.secret(), d.pepper(), timestamp, body));
    headers.put("x-komos-endpoint-id", d.endpointId());
    headers.put("x-komos-run-id", d.runId());
    if (d.scopedTaskId() != null) {
      headers.put("x-komos-task-id", d.scopedTaskId());
    }
    headers.put("x-komos-delivery-id", d.id());
    return headers;
  }

  private static String deliveryId(String endpointId, String runId, String what) {
    return UUID.nameUUIDFromBytes((endpointId + "\n" + runId + "\n" + what).getBytes(StandardCharsets.UTF_8)).toString();
  }
}
