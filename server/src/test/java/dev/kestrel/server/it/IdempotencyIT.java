package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Acceptance 3: a clientRequestId yields exactly one run, however often and however concurrently it
 * is sent.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class IdempotencyIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();
  static final String TASK =
      """
      {"name": "Quick", "inputs": {"n": {"type": "number", "default": 1}},
       "steps": [{"id": "pause", "action": "waitFor", "ms": 50}]}
      """;

  ApiClient api;

  @BeforeEach
  void setUp() {
    api = TestApps.api(APP);
  }

  @Test
  void aRepeatAnswers200WithTheSameRunWhateverItsInputs() {
    String taskId = TestApps.createTask(api, TASK);
    String key = "order-" + UUID.randomUUID();

    ApiClient.Answer first =
        api.post(runs(taskId), "{\"clientRequestId\": \"" + key + "\", \"inputs\": {\"n\": 1}}");
    ApiClient.Answer again =
        api.post(runs(taskId), "{\"clientRequestId\": \"" + key + "\", \"inputs\": {\"n\": 2}}");

    assertThat(first.status()).isEqualTo(202);
    assertThat(first.header("Idempotent-Replayed")).isNull();
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().at("/run/id").asText()).isEqualTo(first.json().at("/run/id").asText());
    assertThat(again.json().at("/run/inputs/n").asInt()).isEqualTo(1);
    assertThat(api.get(runs(taskId)).json().get("runs")).hasSize(1);
  }

  @Test
  void fortyConcurrentRequestsWithOneKeyMakeOneRun() throws Exception {
    String taskId = TestApps.createTask(api, TASK);
    String body = "{\"clientRequestId\": \"burst-" + UUID.randomUUID() + "\"}";
    ExecutorService pool = Executors.newFixedThreadPool(40);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ApiClient.Answer>> answers = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      answers.add(
          pool.submit(
              () -> {
                go.await();
                return api.post(runs(taskId), body);
              }));
    }
    go.countDown();
    List<Integer> statuses = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Future<ApiClient.Answer> f : answers) {
      ApiClient.Answer a = f.get();
      statuses.add(a.status());
      ids.add(a.json().at("/run/id").asText());
    }
    pool.shutdown();

    assertThat(statuses).filteredOn(s -> s == 202).hasSize(1);
    assertThat(statuses).filteredOn(s -> s == 200).hasSize(39);
    assertThat(ids).containsOnly(ids.get(0));
    assertThat(api.get(runs(taskId)).json().get("runs")).hasSize(1);
    assertThat(
            TestApps.awaitTerminal(api, ids.get(0), java.time.Duration.ofSeconds(60))
                .get("status")
                .asText())
        .isEqualTo("COMPLETED");
  }

  @Test
  void theSameKeyOnAnotherTaskIsAnotherRun() {
    String taskA = TestApps.createTask(api, TASK);
    String taskB = TestApps.createTask(api, TASK);
    String body = "{\"clientRequestId\": \"shared-key\"}";

    ApiClient.Answer a = api.post(runs(taskA), body);
    ApiClient.Answer b = api.post(runs(taskB), body);

    assertThat(a.status()).isEqualTo(202);
    assertThat(b.status()).isEqualTo(202);
    assertThat(a.json().at("/run/id").asText()).isNotEqualTo(b.json().at("/run/id").asText());
  }

  private static String runs(String taskId) {
    return "/public/v1/tasks/" + taskId + "/runs";
  }
}
