package dev.kestrel.store;

import dev.kestrel.model.WebhookEvent;
import dev.kestrel.store.records.DeliveryAttempt;
import dev.kestrel.store.records.WaitingDelivery;
import dev.kestrel.store.records.WebhookDelivery;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Endpoints, deliveries and attempts as the webhook activities see them. The port the webhook
 * activities write through; {@link JdbiWebhookStore} implements it on the database.
 */
public interface WebhookStore {

  /** The run's public body as it is now; empty if there is no such run. */
  Optional<String> runBody(String runId);

  /**
   * The live endpoints of the run's organization that cover its task (scoped to it, or to no task);
   * none for a run that does not exist.
   */
  List<Subscription> subscriptionsOf(String runId);

  /** Records a delivery unless one with this id exists (announcing is retried). */
  void recordDelivery(
      String deliveryId, String endpointId, String runId, WebhookEvent event, String payload);

  /** Up to {@code limit} log entries of the run after {@code afterSeq}, as a log event's body. */
  Optional<LogSlice> logsAfter(String runId, long afterSeq, int limit);

  /**
   * A delivery with its endpoint's target and signing material; empty if it or its endpoint is
   * gone.
   */
  Optional<WebhookDelivery> delivery(String deliveryId);

  void recordAttempt(DeliveryAttempt attempt);

  /**
   * Lifecycle deliveries still to be delivered (fewer than {@code maxAttempts} attempts), oldest
   * first.
   */
  List<WaitingDelivery> waitingDeliveries(int maxAttempts, int limit);

  /** {@code events} empty means every event. */
  record Subscription(String endpointId, String url, Set<WebhookEvent> events) {
    /** No events means Komos's events; an extension event only when named. */
    public boolean takes(WebhookEvent event) {
      return events.contains(event) || (events.isEmpty() && !event.isExtension());
    }
  }

  record LogSlice(String body, long lastSeq, boolean more) {}
}
