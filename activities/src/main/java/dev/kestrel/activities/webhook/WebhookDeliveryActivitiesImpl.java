package dev.kestrel.activities.webhook;

import dev.kestrel.model.Timestamps;
import dev.kestrel.store.WebhookStore;
import dev.kestrel.store.records.DeliveryAttempt;
import dev.kestrel.store.records.WebhookDelivery;
import dev.kestrel.workflows.WebhookDeliveryActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Sends one signed attempt of a recorded delivery and lists it on the endpoint. */
public class WebhookDeliveryActivitiesImpl implements WebhookDeliveryActivities {
  private final WebhookStore store;
  private final WebhookSender sender;

  public WebhookDeliveryActivitiesImpl(WebhookStore store, WebhookSender sender) {
    this.store = store;
    this.sender = sender;
  }

  @Override
  public boolean deliver(String deliveryId) {
    Optional<WebhookDelivery> found = store.delivery(deliveryId);
    if (found.isEmpty()) {
      return false;
    }
    WebhookDelivery d = found.get();
    int attempt = Activity.getExecutionContext().getInfo().getAttempt();
    long at = System.currentTimeMillis();
    byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
    WebhookSender.Result result = sender.send(d.url(), headers(d, Timestamps.iso(at), body), body);
    store.recordAttempt(
        new DeliveryAttempt(
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

  static Map<String, String> headers(WebhookDelivery d, String timestamp, byte[] body) {
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
}
