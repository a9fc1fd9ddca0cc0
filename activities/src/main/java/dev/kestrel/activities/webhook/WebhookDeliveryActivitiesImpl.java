package dev.kestrel.activities.webhook;

import dev.kestrel.model.Timestamps;
import dev.kestrel.store.WebhookStore;
import dev.kestrel.store.records.DeliveryAttempt;
import dev.kestrel.store.records.WebhookDelivery;
import dev.kestrel.workflows.WebhookDeliveryActivities;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Sends one signed attempt of a recorded delivery and lists it on the endpoint. */
public class WebhookDeliveryActivitiesImpl implements WebhookDeliveryActivities {
  private final WebhookStore store;
  private final WebhookSender sender;
  private final MeterRegistry meters;

  public WebhookDeliveryActivitiesImpl(
      WebhookStore store, WebhookSender sender, MeterRegistry meters) {
    this.store = store;
    this.sender = sender;
    this.meters = meters;
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
            deliveryId,
            d.endpointId(),
            attempt,
            result.statusCode(),
            result.error(),
            result.delivered(),
            result.durationMs(),
            at));
    String outcome = result.delivered() ? "delivered" : result.refused() ? "refused" : "failed";
    Counter.builder("kestrel.webhook.attempts")
        .description("Webhook delivery attempts by outcome")
        .tag("outcome", outcome)
        .register(meters)
        .increment();
    if (result.delivered()) {
      // From the event (the delivery's record) to its receiver's 2xx, retries included.
      Timer.builder("kestrel.webhook.delivery.latency")
          .description("From a webhook event to its delivery")
          .register(meters)
          .record(
              Math.max(0, System.currentTimeMillis() - d.createdAtMillis()), TimeUnit.MILLISECONDS);
      return true;
    }
    // Benign: a receiver that is down is the receiver's business; the SDK logs it without a stack
    // trace.
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
    headers.put(
        "x-komos-signature",
        WebhookSigner.signatureHeader(d.secret(), d.pepper(), timestamp, body));
    headers.put("x-komos-endpoint-id", d.endpointId());
    headers.put("x-komos-run-id", d.runId());
    if (d.scopedTaskId() != null) {
      headers.put("x-komos-task-id", d.scopedTaskId());
    }
    headers.put("x-komos-delivery-id", d.id());
    return headers;
  }
}
