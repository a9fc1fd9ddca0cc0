package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import dev.kestrel.workflows.RunSearchAttributes;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Acceptance 1, 2 and 6: a run's whole life through HTTP, on real Chromium. */
@ExtendWith(DropwizardExtensionsSupport.class)
class RunLifecycleIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();
  static final String ISO_MILLIS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

  ApiClient api;

  @BeforeEach
  void setUp() {
    api = TestApps.api(APP);
  }

  static String orderTask(String extraStepsBeforeFill) {
    return """
        {"name": "Order status lookup",
         "inputs": {"url": {"type": "string", "required": true}, "orderId": {"type": "string", "default": "48219"}},
         "steps": [
           {"id": "open_order", "action": "goto", "url": "{{inputs.url}}"},
           %s
           {"id": "search", "action": "fill", "selector": "#order", "value": "{{inputs.orderId}}"},
           {"id": "carrier", "action": "select", "selector": "#carrier", "value": "dhl"},
           {"id": "gift", "action": "check", "selector": "#gift"},
           {"id": "to_end", "action": "press", "selector": "#order", "key": "End"},
           {"id": "hover", "action": "hover", "selector": "button[type=submit]"},
           {"id": "submit", "action": "click", "selector": "button[type=submit]"},
           {"id": "wait_result", "action": "waitFor", "selector": "#status", "timeoutMs": 10000},
           {"id": "shipped", "action": "assert", "selector": "#status", "textContains": "Shipped"},
           {"id": "read_status", "action": "extract", "selector": "#status", "output": "status"},
           {"id": "read_items", "action": "extract", "selector": ".item", "all": true, "output": "items"},
           {"id": "snapshot", "action": "screenshot", "output": "page"}
         ],
         "timeoutSeconds": 120}
        """
        .formatted(extraStepsBeforeFill);
  }

  @Test
  void runGoesFromPendingThroughRunningToCompletedWithOutputs() throws Exception {
    String taskId =
        TestApps.createTask(
            api, orderTask("{\"id\": \"pause\", \"action\": \"waitFor\", \"ms\": 1500},"));
    ApiClient.Answer queued =
        api.post(
            "/public/v1/tasks/" + taskId + "/runs",
            "{\"inputs\": {\"url\": \"" + PAGES.url("/order?delayMs=1500") + "\"}}");

    assertThat(queued.status()).isEqualTo(202);
    JsonNode run = queued.json().get("run");
    // Komos's fields, every one present, and one extension: the files the run produced.
    assertThat(run.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder(
            "id",
            "taskId",
            "status",
            "triggerType",
            "timestamps",
            "progress",
            "inputs",
            "outputs",
            "logsUrl",
            "error",
            "cancelReason",
            "artifacts",
            "waitingFor");
    assertThat(run.get("artifacts").isEmpty()).isTrue();
    assertThat(run.get("waitingFor").isNull()).as("extension: it waits for no input").isTrue();
    assertThat(run.get("status").asText()).isEqualTo("PENDING");
    assertThat(run.get("taskId").asText()).isEqualTo(taskId);
    assertThat(run.get("triggerType").asText()).isEqualTo("api");
    assertThat(run.get("progress").isNull()).isTrue();
    assertThat(run.get("outputs").size()).isZero();
    assertThat(run.get("error").isNull()).isTrue();
    assertThat(run.get("cancelReason").isNull()).isTrue();
    assertThat(run.at("/timestamps/createdAt").asText()).matches(ISO_MILLIS);
    assertThat(run.at("/timestamps/startedAt").isNull()).isTrue();
    assertThat(run.at("/inputs/orderId").asText()).isEqualTo("48219");
    String runId = run.get("id").asText();

    List<Integer> stepsSeenRunning = new ArrayList<>();
    JsonNode current = run;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!current.get("status").asText().equals("COMPLETED") && System.nanoTime() < deadline) {
      assertThat(current.get("status").asText()).isIn("PENDING", "RUNNING");
      if (current.get("status").asText().equals("RUNNING")) {
        stepsSeenRunning.add(current.at("/progress/currentStep").asInt());
        assertThat(current.at("/progress/stepsTotal").asInt()).isEqualTo(13);
      }
      sleep(100);
      current = TestApps.run(api, runId);
    }

    assertThat(current.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(stepsSeenRunning).isNotEmpty().isSorted();
    assertThat(stepsSeenRunning.stream().distinct().count()).isGreaterThan(1);
    assertThat(current.at("/progress/currentStep").asInt()).isEqualTo(13);
    assertThat(current.at("/progress/stepsTotal").asInt()).isEqualTo(13);
    assertThat(current.at("/outputs/status").asText()).isEqualTo("Shipped: 48219");
    assertThat(current.at("/outputs/items").toString()).isEqualTo("[\"a\",\"b\"]");
    Instant created = Instant.parse(current.at("/timestamps/createdAt").asText());
    Instant started = Instant.parse(current.at("/timestamps/startedAt").asText());
    Instant finished = Instant.parse(current.at("/timestamps/finishedAt").asText());
    assertThat(current.at("/timestamps/finishedAt").asText()).matches(ISO_MILLIS);
    assertThat(created).isBeforeOrEqualTo(started);
    assertThat(started).isBefore(finished);

    // Ops find the run in Temporal: its workflow id holds the run id, its search attributes say
    // whose it is.
    // The workflow upserts its status attribute just after recording the run's end.
    var stub = TestApps.installed(APP).engine().apiClient().newUntypedWorkflowStub("run-" + runId);
    var attributes = stub.describe().getTypedSearchAttributes();
    for (int i = 0;
        i < 100 && !"COMPLETED".equals(attributes.get(RunSearchAttributes.STATUS));
        i++) {
      Thread.sleep(100);
      attributes = stub.describe().getTypedSearchAttributes();
    }
    assertThat(attributes.get(RunSearchAttributes.TASK)).isEqualTo(taskId);
    assertThat(attributes.get(RunSearchAttributes.TASK_NAME)).isEqualTo("Order status lookup");
    assertThat(attributes.get(RunSearchAttributes.TRIGGER)).isEqualTo("api");
    assertThat(attributes.get(RunSearchAttributes.STATUS)).isEqualTo("COMPLETED");
    assertThat(attributes.get(RunSearchAttributes.ORGANIZATION)).isNotBlank();

    String screenshot = current.at("/outputs/page").asText();
    assertThat(screenshot).isEqualTo("/public/v1/task-runs/" + runId + "/artifacts/snapshot.png");
    ApiClient.Answer png = api.get(screenshot);
    assertThat(png.status()).isEqualTo(200);
    assertThat(png.header("Content-Type")).isEqualTo("image/png");
    assertThat(png.raw().body()).startsWith("\uFFFDPNG");
  }

  @Test
  void logsAreVisibleWhileRunningInOrderWithStepIds() {
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Long wait",
             "steps": [
               {"id": "open", "action": "goto", "url": "%s"},
               {"id": "long_wait", "action": "waitFor", "ms": 5000},
               {"id": "read", "action": "extract", "selector": "#path", "output": "path"}
             ]}
            """
                .formatted(PAGES.url("/logs-page")));
    String runId = TestApps.queue(api, taskId, "{}");

    TestApps.awaitStatus(api, runId, "RUNNING", Duration.ofSeconds(30));
    JsonNode during = TestApps.awaitStep(api, runId, 2, Duration.ofSeconds(20));
    // The workflow shows step 2 as soon as it schedules it; the step's own first entry follows
    // when its activity starts on the worker, moments later.
    JsonNode logs =
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> api.get("/public/v1/task-runs/" + runId + "/logs").json(),
                l -> nodeIds(l).contains("long_wait"));
    JsonNode still = TestApps.run(api, runId);

    assertThat(during.get("status").asText()).isEqualTo("RUNNING");
    assertThat(still.get("status").asText()).isEqualTo("RUNNING");
    assertThat(logs.get("runId").asText()).isEqualTo(runId);
    assertThat(logs.get("logEntries")).isNotEmpty();
    assertThat(nodeIds(logs)).contains("open", "long_wait");

    JsonNode done = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));
    assertThat(done.get("status").asText()).isEqualTo("COMPLETED");
    JsonNode all = api.get("/public/v1/task-runs/" + runId + "/logs").json().get("logEntries");
    List<Instant> times = new ArrayList<>();
    for (JsonNode entry : all) {
      assertThat(entry.fieldNames())
          .toIterable()
          .containsExactlyInAnyOrder("id", "timestamp", "level", "message", "nodeId");
      assertThat(entry.get("level").asText()).isIn("info", "warning", "error");
      assertThat(entry.get("timestamp").asText()).matches(ISO_MILLIS);
      times.add(Instant.parse(entry.get("timestamp").asText()));
    }
    assertThat(times).isSorted();
    assertThat(nodeIds(api.get("/public/v1/task-runs/" + runId + "/logs").json()))
        .contains("open", "long_wait", "read");

    String firstId = all.get(0).get("id").asText();
    JsonNode after =
        api.get("/public/v1/task-runs/" + runId + "/logs?after=" + firstId)
            .json()
            .get("logEntries");
    assertThat(after.size()).isEqualTo(all.size() - 1);
  }

  @Test
  void aConsoleMessageOfAStepInProgressIsReadableBeforeTheStepEnds() {
    String page =
        "data:text/html,<p>waiting</p><script>setTimeout(() => console.log('halfway there'), 500);"
            + "setTimeout(() => document.body.insertAdjacentHTML('beforeend', '<p id=late>late</p>'), 8000)</script>";
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Console while waiting",
             "steps": [
               {"id": "open", "action": "goto", "url": "%s"},
               {"id": "wait_late", "action": "waitFor", "selector": "#late", "timeoutMs": 20000}
             ]}
            """
                .formatted(page));
    String runId = TestApps.queue(api, taskId, "{}");

    JsonNode logs =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> api.get("/public/v1/task-runs/" + runId + "/logs").json(),
                l -> l.get("logEntries").toString().contains("Page console log: halfway there"));
    JsonNode run = TestApps.run(api, runId);

    // Written while the step waits, not when it ends: the step is still at work.
    assertThat(run.get("status").asText()).isEqualTo("RUNNING");
    List<String> ofTheStep = new ArrayList<>();
    logs.get("logEntries")
        .forEach(
            e -> {
              if ("wait_late".equals(e.get("nodeId").asText())) {
                ofTheStep.add(e.get("message").asText());
              }
            });
    assertThat(ofTheStep)
        .contains("Page console log: halfway there")
        .noneMatch(m -> m.contains(" done in "));
    assertThat(TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60)).get("status").asText())
        .isEqualTo("COMPLETED");
  }

  @Test
  void waitForFinishAnswersTheRunWhenItEndsOrAtItsBound() {
    String taskId =
        TestApps.createTask(
            api,
            """
        {"name": "Three seconds", "steps": [{"id": "pause", "action": "waitFor", "ms": 3000}]}
        """);
    String runId = TestApps.queue(api, taskId, "{}");

    ApiClient.Answer atBound = api.get("/public/v1/task-runs/" + runId + "?waitForFinish=1");
    ApiClient.Answer atEnd = api.get("/public/v1/task-runs/" + runId + "?waitForFinish=60");
    ApiClient.Answer ended = api.get("/public/v1/task-runs/" + runId + "?waitForFinish=60");

    assertThat(atBound.status()).isEqualTo(200);
    assertThat(atBound.json().at("/run/status").asText()).isIn("PENDING", "RUNNING");
    assertThat(atBound.raw().headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("application/json");
    assertThat(atEnd.status()).isEqualTo(200);
    assertThat(atEnd.json().at("/run/id").asText()).isEqualTo(runId);
    assertThat(atEnd.json().at("/run/status").asText()).isEqualTo("COMPLETED");
    assertThat(atEnd.json().at("/run/progress/currentStep").asInt()).isEqualTo(1);
    assertThat(ended.json().get("run")).isEqualTo(atEnd.json().get("run"));
  }

  @Test
  void aStepThatCannotSucceedFailsTheRunAtThatStep() {
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Never appears",
             "steps": [
               {"id": "open", "action": "goto", "url": "%s"},
               {"id": "wait_never", "action": "waitFor", "selector": "#never", "timeoutMs": 1500},
               {"id": "unreached", "action": "goto", "url": "%s"}
             ]}
            """
                .formatted(PAGES.url("/fails"), PAGES.url("/unreached")));
    String runId = TestApps.queue(api, taskId, "{}");

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("step_failed");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("wait_never");
    assertThat(run.at("/error/message").asText()).contains("#never");
    assertThat(run.at("/progress/currentStep").asInt()).isEqualTo(2);
    assertThat(run.at("/timestamps/finishedAt").asText()).matches(ISO_MILLIS);
    assertThat(PAGES.hits("/unreached")).isZero();
  }

  @Test
  void aFailingAssertFailsTheRunWithTheStepsMessage() {
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Assert fails",
             "steps": [
               {"id": "open", "action": "goto", "url": "%s"},
               {"id": "check_title", "action": "assert", "selector": "#path", "textContains": "nope",
                "message": "the page is not the expected one", "timeoutMs": 500}
             ]}
            """
                .formatted(PAGES.url("/assert-page")));
    String runId = TestApps.queue(api, taskId, "{}");

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("check_title");
    assertThat(run.at("/error/message").asText()).isEqualTo("the page is not the expected one");
  }

  @Test
  void theRunTimeoutFailsTheRunWithCodeTimeout() {
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Too slow", "timeoutSeconds": 2,
             "steps": [{"id": "forever", "action": "waitFor", "ms": 60000}]}
            """);
    String runId = TestApps.queue(api, taskId, "{}");

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(40));

    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("timeout");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("forever");
  }

  @Test
  void aQueuedRunKeepsItsTaskVersionAndADeletedTasksRunsStayReadable() {
    String v1 =
        """
        {"name": "Versioned", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "pause", "action": "waitFor", "ms": 1500},
          {"id": "read", "action": "extract", "selector": "#path", "output": "path"}]}
        """
            .formatted(PAGES.url("/version-one"));
    String taskId = TestApps.createTask(api, v1);
    String first = TestApps.queue(api, taskId, "{}");
    TestApps.awaitStatus(api, first, "RUNNING", Duration.ofSeconds(30));

    ApiClient.Answer updated =
        api.put(
            "/public/v1/tasks/" + taskId,
            ApiClient.parse(v1.replace("/version-one", "/version-two")));
    String second = TestApps.queue(api, taskId, "{}");

    assertThat(updated.json().at("/task/version").asInt()).isEqualTo(2);
    assertThat(
            TestApps.awaitTerminal(api, first, Duration.ofSeconds(60)).at("/outputs/path").asText())
        .isEqualTo("/version-one");
    assertThat(
            TestApps.awaitTerminal(api, second, Duration.ofSeconds(60))
                .at("/outputs/path")
                .asText())
        .isEqualTo("/version-two");

    assertThat(api.delete("/public/v1/tasks/" + taskId).status()).isEqualTo(204);
    assertThat(api.get("/public/v1/task-runs/" + first).status()).isEqualTo(200);
    assertThat(api.get("/public/v1/task-runs/" + first + "/logs").json().get("logEntries"))
        .isNotEmpty();
    assertThat(api.post("/public/v1/tasks/" + taskId + "/runs", "{}").status()).isEqualTo(404);
  }

  @Test
  void logsStreamAsServerSentEventsUntilTheRunEnds() {
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Streamed", "steps": [
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "pause", "action": "waitFor", "ms": 1500}]}
            """
                .formatted(PAGES.url("/streamed")));
    String runId = TestApps.queue(api, taskId, "{}");

    ApiClient.Answer stream =
        api.send(
            api.request("/public/v1/task-runs/" + runId + "/logs")
                .header("Accept", "text/event-stream")
                .GET());

    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.header("Content-Type")).startsWith("text/event-stream");
    String body = stream.raw().body();
    assertThat(body)
        .contains("event: log", "\"nodeId\":\"pause\"", "Run completed")
        .endsWith("event: end\ndata: {}\n\n");
    assertThat(TestApps.run(api, runId).get("status").asText()).isEqualTo("COMPLETED");
  }

  @Test
  void cloudMetadataIsNeverReachable() {
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Metadata", "steps": [{"id": "steal", "action": "goto", "url": "http://169.254.169.254/latest/meta-data/"}]}
            """);
    String runId = TestApps.queue(api, taskId, "{}");

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("steal");
    assertThat(run.at("/error/message").asText()).contains("refused").contains("metadata");
  }

  private static List<String> nodeIds(JsonNode logs) {
    List<String> ids = new ArrayList<>();
    logs.get("logEntries").forEach(e -> ids.add(e.get("nodeId").asText()));
    return ids;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
