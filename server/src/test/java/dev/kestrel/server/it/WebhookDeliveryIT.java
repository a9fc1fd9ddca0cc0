package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.WebhookReceiver;
import dev.kestrel.server.support.WebhookReceiver.Delivery;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 4, acceptance 1, 2, 3 and 5: real runs on Chromium deliver signed events to a receiver on
 * 127.0.0.1, in lifecycle order, retried with the same delivery id, scoped as asked.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class WebhookDeliveryIT {
  static final String DEFAULT_PEPPER = "komos-webhook-pepper";
  static final String ISO_MILLIS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";
  static final Duration DELIVERED = Duration.ofSeconds(60);

  @RegisterExtension static final TestPages PAGES = new TestPages();
  @RegisterExtension static final WebhookReceiver RECEIVER = new WebhookReceiver();
  // Retries 200 ms apart (then doubling) and a log batch a second, so that the tests are quick.
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.webhooks().pace(200, 1_000));

  ApiClient api;

  @BeforeEach
  void setUp() {
    api = TestApps.api(APP);
  }

  /** Endpoints are per organization: remove this test's, so they see no later test's runs. */
  @AfterEach
  void deleteEndpoints() {
    for (JsonNode e : api.get("/public/v1/webhook-endpoints").json().get("endpoints")) {
      api.delete("/public/v1/webhook-endpoints/" + e.get("id").asText());
    }
  }

  record Endpoint(String id, String secret) {}

  private Endpoint endpoint(String body) {
    ApiClient.Answer created = api.post("/public/v1/webhook-endpoints", body);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    return new Endpoint(
        created.json().at("/endpoint/id").asText(), created.json().get("secret").asText());
  }

  private String task(String name, String... steps) {
    return TestApps.createTask(
        api,
        "{\"name\": \""
            + name
            + "\", \"steps\": ["
            + String.join(",", steps)
            + "], \"timeoutSeconds\": 60}");
  }

  private static String step(String id, String action, String rest) {
    return "{\"id\": \""
        + id
        + "\", \"action\": \""
        + action
        + "\""
        + (rest.isEmpty() ? "" : ", " + rest)
        + "}";
  }

  private String fiveStepTask() {
    return task(
        "Five steps",
        step("open", "goto", "\"url\": \"" + PAGES.url("/order") + "\""),
        step("fill", "fill", "\"selector\": \"#order\", \"value\": \"4711\""),
        step("pause", "waitFor", "\"ms\": 1500"),
        step("hover", "hover", "\"selector\": \"#carrier\""),
        step("read", "extract", "\"selector\": \".item\", \"all\": true, \"output\": \"items\""));
  }

  private static List<Delivery> awaitEvent(String path, String runId, String event) {
    return await()
        .atMost(DELIVERED)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> RECEIVER.received(path, runId),
            list -> list.stream().anyMatch(d -> event.equals(d.event())));
  }

  @Test
  void aCompletedRunDeliversStartedLogsAndCompletedInOrderSignedAsKomosSigns() {
    Endpoint endpoint = endpoint("{\"url\": \"" + RECEIVER.url("/all") + "\"}");
    String runId = TestApps.queue(api, fiveStepTask(), "{}");
    JsonNode finalRun = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));
    assertThat(finalRun.get("status").asText()).isEqualTo("COMPLETED");
    List<Delivery> got = awaitEvent("/all", runId, "task-run.completed");

    List<String> events = got.stream().map(Delivery::event).toList();
    assertThat(events.get(0)).isEqualTo("task-run.started");
    assertThat(events.get(events.size() - 1)).isEqualTo("task-run.completed");
    assertThat(events.subList(1, events.size() - 1)).isNotEmpty().allMatch("task-run.log"::equals);

    Instant before = Instant.now().minusSeconds(120);
    Set<String> deliveryIds = new HashSet<>();
    for (Delivery d : got) {
      assertThat(d.signatureVerifies(endpoint.secret(), DEFAULT_PEPPER))
          .as("signature of " + d.event())
          .isTrue();
      assertThat(d.signatureTimestamp()).matches(ISO_MILLIS);
      assertThat(Instant.parse(d.signatureTimestamp())).isAfter(before);
      assertThat(d.header("content-type")).isEqualTo("application/json");
      assertThat(d.header("x-komos-endpoint-id")).isEqualTo(endpoint.id());
      assertThat(d.header("x-komos-run-id")).isEqualTo(runId);
      assertThat(d.header("x-komos-task-id")).as("only for endpoints scoped to a task").isNull();
      assertThat(d.header("x-komos-delivery-id")).matches("[0-9a-f-]{36}");
      deliveryIds.add(d.header("x-komos-delivery-id"));
    }
    assertThat(deliveryIds).as("one delivery id per delivery").hasSize(got.size());

    JsonNode started = got.get(0).json();
    assertThat(started.get("id").asText()).isEqualTo(runId);
    assertThat(started.get("status").asText()).isEqualTo("RUNNING");
    assertThat(started.at("/timestamps/startedAt").asText()).matches(ISO_MILLIS);
    JsonNode completed = got.get(got.size() - 1).json();
    assertThat(completed).as("the bare run resource, as GET shows it").isEqualTo(finalRun);

    // The log batches, one after the other, are exactly the run's log: nothing lost, nothing twice.
    List<String> batched = new ArrayList<>();
    for (Delivery d : got.subList(1, got.size() - 1)) {
      assertThat(d.json().get("runId").asText()).isEqualTo(runId);
      d.json().get("logEntries").forEach(e -> batched.add(e.get("id").asText()));
    }
    List<String> logged =
        StreamSupport.stream(
                api.get("/public/v1/task-runs/" + runId + "/logs")
                    .json()
                    .get("logEntries")
                    .spliterator(),
                false)
            .map(e -> e.get("id").asText())
            .toList();
    assertThat(batched).isEqualTo(logged);
  }

  @Test
  void failedAndCancelledRunsDeliverTheirEventsWithErrorAndReason() {
    endpoint("{\"url\": \"" + RECEIVER.url("/ends") + "\"}");
    String failing =
        task(
            "Fails",
            step("open", "goto", "\"url\": \"" + PAGES.url("/plain") + "\""),
            step("missing", "click", "\"selector\": \"#nowhere\", \"timeoutMs\": 500"));
    String failedRun = TestApps.queue(api, failing, "{}");
    String slow =
        task(
            "Slow",
            step("open", "goto", "\"url\": \"" + PAGES.url("/plain") + "\""),
            step("wait", "waitFor", "\"ms\": 20000"));
    String cancelledRun = TestApps.queue(api, slow, "{}");
    TestApps.awaitStep(api, cancelledRun, 2, Duration.ofSeconds(60));
    api.post(
        "/public/v1/task-runs/" + cancelledRun + "/cancel",
        "{\"reason\": \"not needed any more\"}");

    List<Delivery> failed = awaitEvent("/ends", failedRun, "task-run.failed");
    JsonNode failedBody = failed.get(failed.size() - 1).json();
    assertThat(failedBody.get("status").asText()).isEqualTo("FAILED");
    assertThat(failedBody.at("/error/code").asText()).isEqualTo("step_failed");
    assertThat(failedBody.at("/error/nodeId").asText()).isEqualTo("missing");
    assertThat(failedBody.at("/error/message").asText()).isNotEmpty();

    List<Delivery> cancelled = awaitEvent("/ends", cancelledRun, "task-run.cancelled");
    JsonNode cancelledBody = cancelled.get(cancelled.size() - 1).json();
    assertThat(cancelledBody.get("status").asText()).isEqualTo("CANCELLED");
    assertThat(cancelledBody.get("cancelReason").asText()).isEqualTo("not needed any more");
    assertThat(cancelled.get(0).event()).isEqualTo("task-run.started");
  }

  @Test
  void aReceiverFailingThreeTimesGetsTheEventOnceMoreAfterEachFailureWithTheSameDeliveryId() {
    Endpoint endpoint =
        endpoint(
            "{\"url\": \"" + RECEIVER.url("/flaky") + "\", \"events\": [\"task-run.completed\"]}");
    RECEIVER.answer("/flaky", 500, 500, 500);
    String runId =
        TestApps.queue(
            api,
            task("Quick", step("open", "goto", "\"url\": \"" + PAGES.url("/plain") + "\"")),
            "{}");

    List<Delivery> got =
        await()
            .atMost(DELIVERED)
            .until(() -> RECEIVER.received("/flaky", runId), l -> l.size() >= 4);
    assertThat(got).hasSize(4).allMatch(d -> "task-run.completed".equals(d.event()));
    assertThat(got.stream().map(d -> d.header("x-komos-delivery-id")).distinct()).hasSize(1);
    assertThat(got).allMatch(d -> d.signatureVerifies(endpoint.secret(), DEFAULT_PEPPER));

    JsonNode attempts =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    api.get(
                            "/public/v1/webhook-endpoints/"
                                + endpoint.id()
                                + "/deliveries?runId="
                                + runId)
                        .json()
                        .get("deliveries"),
                list -> list.size() == 4);
    List<Integer> statuses = new ArrayList<>();
    List<Integer> numbers = new ArrayList<>();
    for (JsonNode a : attempts) {
      statuses.add(a.get("statusCode").asInt());
      numbers.add(a.get("attempt").asInt());
      assertThat(a.get("deliveryId").asText()).isEqualTo(got.get(0).header("x-komos-delivery-id"));
      assertThat(a.get("event").asText()).isEqualTo("task-run.completed");
      assertThat(a.get("runId").asText()).isEqualTo(runId);
      assertThat(a.get("createdAt").asText()).matches(ISO_MILLIS);
    }
    assertThat(statuses).containsExactly(200, 500, 500, 500);
    assertThat(numbers).containsExactly(4, 3, 2, 1);
    assertThat(attempts.get(0).get("delivered").asBoolean()).isTrue();
    assertThat(attempts.get(1).get("error").asText()).isEqualTo("HTTP 500");
  }

  @Test
  void scopedEndpointsReceiveOnlyTheirTaskOrTheirEvents() {
    String taskA = task("Task A", step("open", "goto", "\"url\": \"" + PAGES.url("/a") + "\""));
    String taskB = task("Task B", step("open", "goto", "\"url\": \"" + PAGES.url("/b") + "\""));
    endpoint("{\"url\": \"" + RECEIVER.url("/task-a") + "\", \"taskId\": \"" + taskA + "\"}");
    endpoint(
        "{\"url\": \""
            + RECEIVER.url("/ends-only")
            + "\", \"events\": [\"task-run.completed\", \"task-run.failed\"]}");
    String runA = TestApps.queue(api, taskA, "{}");
    String runB = TestApps.queue(api, taskB, "{}");

    awaitEvent("/task-a", runA, "task-run.completed");
    awaitEvent("/ends-only", runA, "task-run.completed");
    awaitEvent("/ends-only", runB, "task-run.completed");

    List<Delivery> scoped = RECEIVER.received("/task-a");
    assertThat(scoped)
        .isNotEmpty()
        .allMatch(d -> runA.equals(d.runId()) && taskA.equals(d.header("x-komos-task-id")));
    assertThat(scoped.stream().map(Delivery::event))
        .contains("task-run.started", "task-run.log", "task-run.completed");
    List<Delivery> endsOnly = RECEIVER.received("/ends-only");
    assertThat(endsOnly)
        .hasSize(2)
        .allMatch(
            d -> "task-run.completed".equals(d.event()) && d.header("x-komos-task-id") == null);
  }

  @Test
  void anOrganizationsOwnPepperSignsItsDeliveries() {
    TestApps.installed(APP).organizations().setWebhookPepper(TestApps.ORG, "our-own-pepper");
    try {
      Endpoint endpoint =
          endpoint(
              "{\"url\": \""
                  + RECEIVER.url("/peppered")
                  + "\", \"events\": [\"task-run.completed\"]}");
      String runId =
          TestApps.queue(
              api,
              task("Peppered", step("open", "goto", "\"url\": \"" + PAGES.url("/p") + "\"")),
              "{}");
      Delivery d = awaitEvent("/peppered", runId, "task-run.completed").get(0);
      assertThat(d.signatureVerifies(endpoint.secret(), "our-own-pepper")).isTrue();
      assertThat(d.signatureVerifies(endpoint.secret(), DEFAULT_PEPPER)).isFalse();
    } finally {
      TestApps.installed(APP).organizations().setWebhookPepper(TestApps.ORG, null);
    }
  }
}
