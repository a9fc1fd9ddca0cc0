package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.OpenApiContract;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.workflows.BrowserActivities;
import dev.kestrel.workflows.BrowserActivities.StepHeartbeat;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The log stream as a client follows a run with one connection: entries arrive while the run
 * executes (not all at its end), {@code event: run} frames carry its state in lifecycle order, the
 * stream ends with {@code event: end}, and {@code Last-Event-ID} resumes without gaps or repeats.
 * Order and state are asserted, never times. The Temporal UI shows a running step's latest lines.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class LiveStreamIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  /** One server-sent event as it arrived. */
  record Event(String name, String id, String data) {}

  /** Reads events as they come, handing each to {@code onEvent}, until the stream ends. */
  static HttpResponse<InputStream> read(String path, String lastEventId, Consumer<Event> onEvent)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + path))
            .header("Authorization", "Bearer " + TestApps.KEY)
            .header("Accept", "text/event-stream")
            // As browsers ask: a compressed stream would be held back by the compressor.
            .header("Accept-Encoding", "gzip");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpRequest built = request.build();
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient().send(built, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() == 200) {
      OpenApiContract.get().check(built.method(), built.uri(), 200, response.headers(), null);
    }
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String name = null;
      String id = null;
      StringBuilder data = new StringBuilder();
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (name != null) {
            onEvent.accept(new Event(name, id, data.toString()));
          }
          name = null;
          id = null;
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).strip();
        } else if (line.startsWith("id:")) {
          id = line.substring(3).strip();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).strip());
        }
      }
    }
    return response;
  }

  @Test
  void aClientFollowsARunOnOneStream() throws Exception {
    ApiClient api = TestApps.api(APP);
    String page =
        "data:text/html,<p>page</p><script>console.log('at once');"
            + "setTimeout(() => console.log('a bit later'), 2500);</script>";
    String taskId =
        TestApps.createTask(
            api,
            """
        {"name": "Slow logger", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "first_wait", "action": "waitFor", "ms": 3000},
          {"id": "second_wait", "action": "waitFor", "ms": 3000}]}
        """
                .formatted(page));
    String runId = TestApps.queue(api, taskId, "{}");

    List<Event> events = new ArrayList<>();
    List<String> statusAtFirstLog = new ArrayList<>();
    HttpResponse<InputStream> response =
        read(
            "/public/v1/task-runs/" + runId + "/logs",
            null,
            event -> {
              if (event.name().equals("log") && statusAtFirstLog.isEmpty()) {
                statusAtFirstLog.add(TestApps.run(api, runId).get("status").asText());
              }
              events.add(event);
            });

    assertThat(response.headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("text/event-stream");
    assertThat(response.headers().firstValue("X-Accel-Buffering")).contains("no");
    assertThat(response.headers().firstValue("Cache-Control")).contains("no-cache");
    assertThat(response.headers().firstValue("Content-Encoding")).as("never compressed").isEmpty();
    assertThat(statusAtFirstLog)
        .as("the first entry arrives while the run executes")
        .containsExactly("RUNNING");
    assertThat(events.get(events.size() - 1).name()).isEqualTo("end");

    List<String> runStates = new ArrayList<>();
    for (Event e : events) {
      if (e.name().equals("run")) {
        JsonNode run = ApiClient.parse(e.data());
        assertThat(run.get("id").asText()).isEqualTo(runId);
        runStates.add(run.get("status").asText() + " " + run.at("/progress/currentStep").asInt());
      }
    }
    assertThat(runStates)
        .as("lifecycle order")
        .containsSubsequence("RUNNING 1", "RUNNING 2", "RUNNING 3", "COMPLETED 3");
    assertThat(runStates.get(runStates.size() - 1)).isEqualTo("COMPLETED 3");
    assertThat(runStates).doesNotHaveDuplicates();

    // Every entry once, in the store's order, with its id as the event id.
    JsonNode stored = api.get("/public/v1/task-runs/" + runId + "/logs").json().get("logEntries");
    List<String> streamedIds =
        events.stream().filter(e -> e.name().equals("log")).map(Event::id).toList();
    List<String> storedIds = new ArrayList<>();
    stored.forEach(entry -> storedIds.add(entry.get("id").asText()));
    assertThat(streamedIds).isEqualTo(storedIds);
    assertThat(events.stream().filter(e -> e.name().equals("log")).map(Event::data).toList())
        .anyMatch(d -> d.contains("Page console log: a bit later"));

    // Resuming after the third entry gives exactly the rest, then the end.
    List<Event> resumed = new ArrayList<>();
    read("/public/v1/task-runs/" + runId + "/logs", storedIds.get(2), resumed::add);
    assertThat(resumed.stream().filter(e -> e.name().equals("log")).map(Event::id).toList())
        .isEqualTo(storedIds.subList(3, storedIds.size()));
    assertThat(resumed.get(resumed.size() - 1).name()).isEqualTo("end");
  }

  @Test
  void aLiveScreenshotIsAPngOfThePageAsItIsNow() throws Exception {
    ApiClient api = TestApps.api(APP);
    String page = "data:text/html,<body style='margin:0;background:rgb(255,0,0)'><p>red</p></body>";
    String taskId =
        TestApps.createTask(
            api,
            """
        {"name": "Red page", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "stay", "action": "waitFor", "ms": 6000}]}
        """
                .formatted(page));
    String runId = TestApps.queue(api, taskId, "{}");
    TestApps.awaitStep(api, runId, 2, Duration.ofSeconds(30));

    HttpResponse<byte[]> shot = png(runId, TestApps.KEY);
    HttpResponse<byte[]> again = png(runId, TestApps.KEY);

    assertThat(shot.statusCode()).isEqualTo(200);
    assertThat(shot.headers().firstValue("Content-Type")).contains("image/png");
    java.awt.image.BufferedImage image =
        javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(shot.body()));
    assertThat(image.getWidth()).isPositive();
    assertThat(image.getRGB(5, 5) & 0xFFFFFF).as("the page's red background").isEqualTo(0xFF0000);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(TestApps.run(api, runId).get("status").asText())
        .as("taken while the step waits")
        .isEqualTo("RUNNING");

    assertThat(TestApps.awaitTerminal(api, runId, Duration.ofSeconds(30)).get("status").asText())
        .isEqualTo("COMPLETED");
    // The step says what watching cost it.
    assertThat(api.get("/public/v1/task-runs/" + runId + "/logs").raw().body())
        .containsPattern("[0-9]+ live screenshots were taken during this step \\([0-9]+ ms\\)");
    HttpResponse<byte[]> ended = png(runId, TestApps.KEY);
    assertThat(ended.statusCode()).isEqualTo(409);
    assertThat(new String(ended.body(), StandardCharsets.UTF_8)).contains("run_holds_no_page");
  }

  static HttpResponse<byte[]> png(String runId, String key) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + APP.getLocalPort()
                        + "/public/v1/task-runs/"
                        + runId
                        + "/screenshot"))
            .header("Authorization", "Bearer " + key)
            .timeout(Duration.ofSeconds(30))
            .build();
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
    boolean json =
        response.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
    OpenApiContract.get()
        .check(
            "GET",
            request.uri(),
            response.statusCode(),
            response.headers(),
            json ? new String(response.body(), StandardCharsets.UTF_8) : null);
    return response;
  }

  @Test
  void anotherOrganizationsRunIsNotFound() throws Exception {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            "{\"name\": \"Mine\", \"steps\": [{\"id\": \"w\", \"action\": \"waitFor\", \"ms\": 1}]}");
    String runId = TestApps.queue(api, taskId, "{}");
    var organizations = TestApps.installed(APP).organizations();
    organizations.create("stranger", null, null);
    ApiClient stranger =
        TestApps.api(APP).withKey(organizations.issueKey("stranger", "stream test").secret());

    ApiClient.Answer answer =
        stranger.send(
            stranger
                .request("/public/v1/task-runs/" + runId + "/logs")
                .header("Accept", "text/event-stream"));

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.json().get("detail").asText()).isEqualTo("run_not_found");
    assertThat(
            png(runId, organizations.issueKey("stranger", "screenshot test").secret()).statusCode())
        .isEqualTo(404);
  }

  /**
   * The Temporal UI's view of the same: a running step's pending activity carries the step and its
   * latest log lines as heartbeat details, bounded as the interface says.
   */
  @Test
  void aRunningStepsPendingActivityShowsItsLatestLines() {
    ApiClient api = TestApps.api(APP);
    String page = "data:text/html,<script>setInterval(() => console.log('tick'), 100);</script>";
    String taskId =
        TestApps.createTask(
            api,
            """
        {"name": "Ticking", "steps": [
          {"id": "open", "action": "goto", "url": "%s"},
          {"id": "watch", "action": "waitFor", "ms": 3000}]}
        """
                .formatted(page));
    String runId = TestApps.queue(api, taskId, "{}");
    WorkflowClient engine = TestApps.installed(APP).engine().apiClient();

    StepHeartbeat seen =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> heartbeatOf(engine, runId),
                // The page ticks from its first step on; on a loaded machine step 1 is seen too.
                h ->
                    h != null
                        && h.step().startsWith("Step 2/2")
                        && h.latestLines().stream().anyMatch(l -> l.contains("tick")));

    assertThat(seen.step()).isEqualTo("Step 2/2 waitFor 3000 ms");
    assertThat(seen.latestLines())
        .hasSizeLessThanOrEqualTo(BrowserActivities.HEARTBEAT_LINES)
        .allMatch(line -> line.length() <= BrowserActivities.HEARTBEAT_LINE_CHARS);
    assertThat(TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60)).get("status").asText())
        .isEqualTo("COMPLETED");
  }

  /** The heartbeat details of the run's pending step, if it has sent any. */
  private static StepHeartbeat heartbeatOf(WorkflowClient engine, String runId) {
    var description =
        engine
            .getWorkflowServiceStubs()
            .blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(engine.getOptions().getNamespace())
                    .setExecution(WorkflowExecution.newBuilder().setWorkflowId("run-" + runId))
                    .build());
    for (PendingActivityInfo pending : description.getPendingActivitiesList()) {
      if (pending.getActivityType().getName().equals("RunStep") && pending.hasHeartbeatDetails()) {
        return DefaultDataConverter.newDefaultInstance()
            .fromPayloads(
                0,
                Optional.of(pending.getHeartbeatDetails()),
                StepHeartbeat.class,
                StepHeartbeat.class);
      }
    }
    return null;
  }
}
