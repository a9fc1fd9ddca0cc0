package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.temporal.api.history.v1.HistoryEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A run that fails for a user's reason is one line in the server's log, with no stack trace, and
 * its own log tells the page's noise from the run's errors.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class QuietLogsIT {
  // A session waits 1 s for a free slot on this worker before it is handed back to the queue: the
  // backlog test sees those hand-backs within seconds.
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.worker().slotWaitSeconds(1));

  @RegisterExtension static final TestPages PAGES = new TestPages();

  private final ListAppender<ILoggingEvent> serverLog = new ListAppender<>();

  @BeforeEach
  void captureTheServerLog() {
    serverLog.start();
    root().addAppender(serverLog);
  }

  @AfterEach
  void stopCapturing() {
    root().detachAppender(serverLog);
  }

  @Test
  void runsFailingForAUsersReasonWriteOneLineEachAndNoStackTrace() {
    ApiClient api = TestApps.api(APP);
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put(queue(api, "Assert", 60, failingAssert()), "step_failed");
    expected.put(
        queue(
            api,
            "No such host",
            60,
            """
            {"id": "open", "action": "goto", "url": "http://no-such-host.invalid/"}
            """),
        "step_failed");
    expected.put(
        queue(
            api,
            "Metadata",
            60,
            """
            {"id": "open", "action": "goto", "url": "http://169.254.169.254/latest/meta-data/"}
            """),
        "egress_refused");
    expected.put(
        queue(
            api,
            // Long enough to be in its second step when the timeout fires, not still opening: a
            // timeout at a boundary can race the engine's bookkeeping on a loaded machine.
            "Too slow",
            6,
            """
            {"id": "open", "action": "goto", "url": "%s"},
            {"id": "linger", "action": "waitFor", "ms": 20000}
            """
                .formatted(PAGES.url("/home"))),
        "timeout");

    for (Map.Entry<String, String> run : expected.entrySet()) {
      JsonNode ended = TestApps.awaitTerminal(api, run.getKey(), Duration.ofSeconds(90));
      assertThat(ended.get("status").asText()).isEqualTo("FAILED");
      assertThat(ended.at("/error/code").asText()).isEqualTo(run.getValue());
    }

    // Other applications may share this JVM's logging: only what concerns these runs counts.
    List<ILoggingEvent> events =
        new ArrayList<>(serverLog.list)
            .stream()
                .filter(e -> expected.keySet().stream().anyMatch(id -> concerns(e, id)))
                .toList();
    assertThat(events)
        .as("no stack trace in the server's log")
        .allSatisfy(e -> assertThat(e.getThrowableProxy()).as(e.getFormattedMessage()).isNull());
    for (Map.Entry<String, String> run : expected.entrySet()) {
      assertThat(events)
          .filteredOn(e -> concerns(e, run.getKey()))
          .as("the server's lines about run %s", run.getKey())
          .singleElement()
          .satisfies(
              e ->
                  assertThat(e.getFormattedMessage())
                      .contains(run.getKey(), "failed: " + run.getValue()));
    }
  }

  /**
   * Issue 28: a run waiting for a free browser slot is handed back to the queue every {@code
   * worker.slotWaitSeconds}, and the SDK logged each hand-back as a warning with a stack trace: a
   * busy worker's log grew by megabytes an hour. Waiting one's turn is not an error.
   */
  @Test
  void runsWaitingForAFreeSlotWriteNothingToTheServerLog() {
    ApiClient api = TestApps.api(APP);
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      runs.add(
          queue(
              api,
              "Backlog " + i,
              60,
              """
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "linger", "action": "waitFor", "ms": 3000}
              """
                  .formatted(PAGES.url("/home"))));
    }
    for (String run : runs) {
      assertThat(TestApps.awaitTerminal(api, run, Duration.ofSeconds(90)).get("status").asText())
          .isEqualTo("COMPLETED");
    }
    assertThat(new ArrayList<>(serverLog.list))
        .filteredOn(e -> runs.stream().anyMatch(id -> concerns(e, id)))
        .as("the server's lines about runs that only waited their turn")
        .isEmpty();
  }

  /**
   * Whether the event is about the run: by its message, the workflow the SDK names in its MDC, or
   * its exception.
   */
  private static boolean concerns(ILoggingEvent event, String runId) {
    return event.getFormattedMessage().contains(runId)
        || event.getMDCPropertyMap().values().stream().anyMatch(v -> v.contains(runId))
        || (event.getThrowableProxy() != null
            && ThrowableProxyUtil.asString(event.getThrowableProxy()).contains(runId));
  }

  @Test
  void theTemporalUiShowsABusinessFailureAsItsCodeAndMessageAndTheTimerSaysWhatItWaitsFor() {
    ApiClient api = TestApps.api(APP);
    String runId = queue(api, "Assert for the UI", 60, failingAssert());
    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    // The row is terminal just before the workflow's last task completes: wait for its end event.
    var history =
        org.awaitility.Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    TestApps.installed(APP)
                        .engine()
                        .apiClient()
                        .fetchHistory("run-" + runId)
                        .getHistory()
                        .getEventsList(),
                events ->
                    events.stream()
                        .anyMatch(HistoryEvent::hasWorkflowExecutionFailedEventAttributes));
    var failure =
        history.stream()
            .filter(HistoryEvent::hasWorkflowExecutionFailedEventAttributes)
            .findFirst()
            .orElseThrow()
            .getWorkflowExecutionFailedEventAttributes()
            .getFailure();
    assertThat(failure.getApplicationFailureInfo().getType()).isEqualTo("step_failed");
    assertThat(failure.getMessage()).isEqualTo(run.at("/error/message").asText());
    assertThat(failure.getStackTrace()).as("no Java stack trace").isEmpty();
    assertThat(failure.hasCause()).isFalse();
    var timer =
        history.stream()
            .filter(HistoryEvent::hasTimerStartedEventAttributes)
            .findFirst()
            .orElseThrow();
    assertThat(timer.getUserMetadata().getSummary().getData().toStringUtf8())
        .contains("run timeout: 60 s");
  }

  @Test
  void anUnreachableHostIsNamedFirstAndNoGatewayErrorIsLogged() {
    ApiClient api = TestApps.api(APP);
    String runId =
        queue(
            api,
            "No such host",
            60,
            """
        {"id": "open", "action": "goto", "url": "http://no-such-host.invalid/"}
        """);
    TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    List<JsonNode> problems =
        entries(api, runId).stream().filter(e -> !e.get("level").asText().equals("info")).toList();
    assertThat(problems).isNotEmpty();
    assertThat(problems.get(0).get("message").asText())
        .contains("no-such-host.invalid")
        .doesNotContain("502");
    assertThat(problems).noneMatch(e -> e.get("message").asText().contains("Bad Gateway"));
  }

  @Test
  void aPagesMissingSubresourceIsCountedAsThePagesNotAsTheRunsError() {
    ApiClient api = TestApps.api(APP);
    String runId =
        queue(
            api,
            "Missing image",
            60,
            """
        {"id": "open", "action": "goto", "url": "%s"},
        {"id": "settle", "action": "waitFor", "ms": 300},
        {"id": "read", "action": "extract", "selector": "#ok", "output": "ok"}
        """
                .formatted(PAGES.url("/broken-image")));
    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    List<JsonNode> entries = entries(api, runId);
    assertThat(entries).noneMatch(e -> e.get("level").asText().equals("error"));
    assertThat(entries)
        .anyMatch(
            e ->
                e.get("message").asText().startsWith("Page: 1 of its own requests failed: 404 GET ")
                    && e.get("message").asText().contains("/missing/picture.png"));
    assertThat(entries)
        .noneMatch(e -> e.get("message").asText().contains("Failed to load resource"));
  }

  private static String queue(ApiClient api, String name, int timeoutSeconds, String steps) {
    String task =
        TestApps.createTask(
            api,
            """
        {"name": "%s", "timeoutSeconds": %d, "steps": [%s]}
        """
                .formatted(name, timeoutSeconds, steps));
    return TestApps.queue(api, task, "{}");
  }

  /** A page that opens, and an assert on it that does not hold. */
  private static String failingAssert() {
    return """
        {"id": "open", "action": "goto", "url": "%s"},
        {"id": "check", "action": "assert", "selector": "#path", "textContains": "elsewhere", "message": "wrong page"}
        """
        .formatted(PAGES.url("/home"));
  }

  private static List<JsonNode> entries(ApiClient api, String runId) {
    JsonNode log = api.get("/public/v1/task-runs/" + runId + "/logs").json().get("logEntries");
    return StreamSupport.stream(log.spliterator(), false).toList();
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
