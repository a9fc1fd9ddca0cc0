package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.WebhookReceiver;
import dev.kestrel.testkit.TestPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The explicit IN_MEMORY engine loses every workflow with its process, while the store (H2 under
 * the data folder) keeps the runs and deliveries it accepted. After a SIGKILL and a start, the
 * start-up sweep runs them again, so that even this mode leaves no run waiting forever.
 */
class InMemoryRecoveryIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final String IN_MEMORY = "{mode: IN_MEMORY}";

  static Path dir;
  static KestrelProcess server;

  @BeforeAll
  static void makeFolder() throws Exception {
    dir = Files.createTempDirectory("kestrel-in-memory-");
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.killGroup();
    }
  }

  @Test
  void runsAndDeliveriesLeftUnfinishedByACrashAreFinishedAfterTheNextStart() throws Exception {
    Path dataDir = dir.resolve("data");
    server = KestrelProcess.onDataFolder(dir, "before", dataDir, IN_MEMORY, "").startInOwnGroup();
    KestrelClient client = TestApps.client(server.baseUrl());
    String task = TestApps.createOrderTask(client, "Recovered", PAGES.url("/order"), 3000);
    WebhookReceiver receiver = new WebhookReceiver();
    receiver.start();
    receiver.stop();
    try {
      String endpointId =
          client
              .createWebhookEndpoint(receiver.url("/memory"), List.of(WebhookEvent.COMPLETED), null)
              .endpoint()
              .id();
      // A run that ended before the crash, whose event waits for a receiver that is down.
      String ended =
          client.queueRun(task, RunRequest.withInputs(Map.of("orderId", "ended"))).run().id();
      assertThat(client.awaitEnd(ended, Duration.ofSeconds(120)).status())
          .isEqualTo(RunStatus.COMPLETED);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> client.webhookDeliveries(endpointId, ended).size() >= 1);
      // Runs in flight: two hold a browser, two wait for one.
      List<String> runs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        runs.add(client.queueRun(task, LocalModeIT.request("m-" + i)).run().id());
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  runs.stream()
                          .map(client::getRun)
                          .filter(r -> r.progress() != null && r.progress().currentStep() >= 2)
                          .count()
                      == 2);

      server.killGroup();
      server = KestrelProcess.onDataFolder(dir, "after", dataDir, IN_MEMORY, "").startInOwnGroup();
      KestrelClient after = TestApps.client(server.baseUrl());
      receiver.start();

      for (int i = 0; i < runs.size(); i++) {
        Run run = after.awaitEnd(runs.get(i), Duration.ofSeconds(180));
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.outputs().get("status")).isEqualTo("Shipped: m-" + i);
        assertThat(after.logs(runs.get(i)).stream().map(LogEntry::message))
            .anyMatch(m -> m.contains("The workflow engine no longer knows this run"));
        assertThat(after.queueRun(task, LocalModeIT.request("m-" + i)).wasReplayed()).isTrue();
      }
      List<WebhookReceiver.Delivery> got =
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(500))
              .until(() -> receiver.received("/memory", ended), l -> !l.isEmpty());
      assertThat(got.get(0).event()).isEqualTo("task-run.completed");
      assertThat(got.get(0).json().at("/outputs/status").asText()).isEqualTo("Shipped: ended");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(runs).allMatch(id -> receiver.received("/memory", id).size() >= 1));
    } finally {
      receiver.stop();
    }
  }
}
