package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.Envelopes.WebhookEndpointCreated;
import dev.kestrel.model.api.WebhookAttempt;
import dev.kestrel.server.support.WebhookReceiver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
  static void assertWaitingEventsArrive(
      KestrelClient client, String taskId, String path, Supplier<KestrelClient> restart) {
    WebhookReceiver receiver = new WebhookReceiver();
    receiver.start();
    receiver.stop();
    try {
      WebhookEndpointCreated created =
          client.createWebhookEndpoint(receiver.url(path), List.of(), null);
      String endpointId = created.endpoint().id();
      String secret = created.secret();
      String runId =
          client.queueRun(taskId, RunRequest.withInputs(Map.of("orderId", "hook"))).run().id();
      assertThat(client.awaitEnd(runId, Duration.ofSeconds(120)).status())
          .isEqualTo(RunStatus.COMPLETED);
      List<WebhookAttempt> failed =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> client.webhookDeliveries(endpointId, runId), a -> a.size() >= 1);
      assertThat(failed.get(0).delivered()).isFalse();
      assertThat(failed.get(0).error()).isEqualTo("connection refused or unreachable");

      restart.get();
      receiver.start();

      List<WebhookReceiver.Delivery> got =
          await()
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () -> receiver.received(path, runId),
                  l -> l.stream().anyMatch(d -> "task-run.completed".equals(d.event())));
      List<String> events = got.stream().map(WebhookReceiver.Delivery::event).toList();
      assertThat(events.get(0)).isEqualTo("task-run.started");
      assertThat(events.get(events.size() - 1)).isEqualTo("task-run.completed");
      assertThat(events).contains("task-run.log");
      assertThat(got).allMatch(d -> d.signatureVerifies(secret, "komos-webhook-pepper"));
      assertThat(got.stream().map(d -> d.header("x-komos-delivery-id")).distinct())
          .hasSize(got.size());
      assertThat(got.get(got.size() - 1).json().at("/outputs/status").asText())
          .isEqualTo("Shipped: hook");
    } finally {
      receiver.stop();
    }
  }
}
