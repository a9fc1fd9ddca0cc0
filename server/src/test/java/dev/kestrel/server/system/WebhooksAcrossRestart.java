package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.WebhookReceiver;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Events wait for a receiver that is down while the processes are killed and started again; once
 * the receiver is back, all of them arrive, in order and signed, with the run's outputs. Attempts
 * are only spent while a worker is up, so the restart itself does not eat into the retries.
 */
final class WebhooksAcrossRestart {
  private WebhooksAcrossRestart() {}

  /**
   * @param taskId a task whose runs extract {@code #status} of the order page into {@code status}
   * @param restart kills and starts again every process; returns a client of the new API
   */
  static void assertWaitingEventsArrive(ApiClient client, String taskId, String path, Supplier<ApiClient> restart) {
    WebhookReceiver receiver = new WebhookReceiver();
    receiver.start();
    receiver.stop();
    try {
      ApiClient.Answer created = client.post("/public/v1/webhook-endpoints", "{\"url\": \"" + receiver.url(path) + "\"}");
      assertThat(created.status()).isEqualTo(201);
      String endpointId = created.json().at("/endpoint/id").asText();
      String secret = created.json().get("secret").asText();
      String runId = TestApps.queue(client, taskId, "{\"inputs\": {\"orderId\": \"hook\"}}");
      assertThat(TestApps.awaitTerminal(client, runId, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("COMPLETED");
      String attempts = "/public/v1/webhook-endpoints/" + endpointId + "/deliveries?runId=" + runId;
      JsonNode failed = await().atMost(Duration.ofSeconds(60)).until(() -> client.get(attempts).json().get("deliveries"), a -> a.size() >= 1);
      assertThat(failed.get(0).get("delivered").asBoolean()).isFalse();
      assertThat(failed.get(0).get("error").asText()).isEqualTo("connection refused or unreachable");

      restart.get();
      receiver.start();

      List<WebhookReceiver.Delivery> got = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
          .until(() -> receiver.received(path, runId),
              l -> l.stream().anyMatch(d -> "task-run.completed".equals(d.event())));
      List<String> events = got.stream().map(WebhookReceiver.Delivery::event).toList();
      assertThat(events.get(0)).isEqualTo("task-run.started");
      assertThat(events.get(events.size() - 1)).isEqualTo("task-run.completed");
      assertThat(events).contains("task-run.log");
      assertThat(got).allMatch(d -> d.signatureVerifies(secret, "komos-webhook-pepper"));
      assertThat(got.stream().map(d -> d.header("x-komos-delivery-id")).distinct()).hasSize(got.size());
      assertThat(got.get(got.size() - 1).json().at("/outputs/status").asText()).isEqualTo("Shipped: hook");
    } finally {
      receiver.stop();
    }
  }
}
