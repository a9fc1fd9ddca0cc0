package dev.kestrel.activities.webhook;

import dev.kestrel.model.WebhookEvent;
import dev.kestrel.store.WebhookStore;
import dev.kestrel.store.WebhookStore.LogSlice;
import dev.kestrel.store.WebhookStore.Subscription;
import dev.kestrel.workflows.WebhookEventActivities;
import dev.kestrel.workflows.WebhookWorkflow.DeliverySettings;
import dev.kestrel.workflows.WebhookWorkflow.RunEventNotice;
import io.temporal.client.WorkflowClient;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/** Records deliveries in the store and hands them to each endpoint's webhook workflow. */
public class WebhookEventActivitiesImpl implements WebhookEventActivities {
  private final WebhookStore store;
  private final WebhookWorkflowStarter workflows;
  private final int logBatchSize;

  public WebhookEventActivitiesImpl(
      WebhookStore store, WorkflowClient client, DeliverySettings settings, int logBatchSize) {
    this.store = store;
    this.workflows = new WebhookWorkflowStarter(client, settings);
    this.logBatchSize = logBatchSize;
  }

  @Override
  public void announce(String runId, WebhookEvent event) {
    announce(runId, event, event.wireName());
  }

  @Override
  public void announceWait(String runId, int wait) {
    announce(runId, WebhookEvent.WAITING, WebhookEvent.WAITING.wireName() + "-" + wait);
  }

  /** {@code what}: the event as its delivery id names it (one per wait for a run's waits). */
  private void announce(String runId, WebhookEvent event, String what) {
    // Most runs have no endpoint to tell: then the run's body is never rendered.
    String body = null;
    for (Subscription endpoint : store.subscriptionsOf(runId)) {
      boolean takesEvent = endpoint.takes(event);
      boolean takesLogs = endpoint.takes(WebhookEvent.LOG);
      // An endpoint told of a start or a wait has a workflow for the run, which the end closes.
      boolean told = endpoint.takes(WebhookEvent.STARTED) || endpoint.takes(WebhookEvent.WAITING);
      if (!takesEvent && !takesLogs && !(event.isTerminal() && told)) {
        continue;
      }
      String deliveryId = null;
      if (takesEvent) {
        deliveryId = deliveryId(endpoint.endpointId(), runId, what);
        if (body == null) {
          Optional<String> found = store.runBody(runId);
          if (found.isEmpty()) {
            return;
          }
          body = found.get();
        }
        store.recordDelivery(deliveryId, endpoint.endpointId(), runId, event, body);
      }
      // A finished workflow delivered this run's events to this endpoint already.
      workflows.announce(
          endpoint.endpointId(),
          endpoint.url(),
          runId,
          takesLogs,
          new RunEventNotice(event, deliveryId));
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

  /** The same on every retry of one delivery, so receivers drop duplicates by it. */
  private static String deliveryId(String endpointId, String runId, String what) {
    return UUID.nameUUIDFromBytes(
            (endpointId + "\n" + runId + "\n" + what).getBytes(StandardCharsets.UTF_8))
        .toString();
  }
}
