package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.WebhookReceiver;
import dev.kestrel.testkit.TestPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    ApiClient client = new ApiClient(server.baseUrl(), TestApps.KEY);
    String task = TestApps.createOrderTask(client, "Recovered", PAGES.url("/order"), 3000);
    WebhookReceiver receiver = new WebhookReceiver();
    receiver.start();
    receiver.stop();
    try {
      String endpointId = client.post("/public/v1/webhook-endpoints",
          "{\"url\": \"" + receiver.url("/memory") + "\", \"events\": [\"task-run.completed\"]}").json().at("/endpoint/id").asText();
      // A run that ended before the crash, whose event waits for a receiver that is down.
      String ended = TestApps.queue(client, task, "{\"inputs\": {\"orderId\": \"ended\"}}");
      assertThat(TestApps.awaitTerminal(client, ended, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("COMPLETED");
      await().atMost(Duration.ofSeconds(60)).until(() ->
          client.get("/public/v1/webhook-endpoints/" + endpointId + "/deliveries?runId=" + ended).json().get("deliveries").size() >= 1);
      // Runs in flight: two hold a browser, two wait for one.
      List<String> runs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        runs.add(TestApps.queue(client, task, "{\"inputs\": {\"orderId\": \"m-" + i + "\"}, \"clientRequestId\": \"m-" + i + "\"}"));
      }
      await().atMost(Duration.ofSeconds(60)).until(() ->
          runs.stream().filter(id -> TestApps.run(client, id).at("/progress/currentStep").asInt() >= 2).count() == 2);

      server.killGroup();
      server = KestrelProcess.onDataFolder(dir, "after", dataDir, IN_MEMORY, "").startInOwnGroup();
      ApiClient after = new ApiClient(server.baseUrl(), TestApps.KEY);
      receiver.start();

      for (int i = 0; i < runs.size(); i++) {
        JsonNode run = TestApps.awaitTerminal(after, runs.get(i), Duration.ofSeconds(180));
        assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(run.at("/outputs/status").asText()).isEqualTo("Shipped: m-" + i);
        assertThat(after.get("/public/v1/task-runs/" + runs.get(i) + "/logs").raw().body())
            .contains("The workflow engine no longer knows this run");
        assertThat(after.post("/public/v1/tasks/" + task + "/runs",
            "{\"inputs\": {\"orderId\": \"m-" + i + "\"}, \"clientRequestId\": \"m-" + i + "\"}").status()).isEqualTo(200);
      }
      List<WebhookReceiver.Delivery> got = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> receiver.received("/memory", ended), l -> !l.isEmpty());
      assertThat(got.get(0).event()).isEqualTo("task-run.completed");
      assertThat(got.get(0).json().at("/outputs/status").asText()).isEqualTo("Shipped: ended");
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(runs).allMatch(id -> receiver.received("/memory", id).size() >= 1));
    } finally {
      receiver.stop();
    }
  }
}
