package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.worker.BrowserWorker;
import dev.kestrel.server.worker.Workers;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Acceptance 10: the worker holding a run's browser session dies mid-step; a new worker on the same
 * engine resumes the run on another from its last checkpoint, and the run completes. A completed
 * step's log lines survive the worker.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class WorkerFailoverIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.app();

  @Test
  void aRunSurvivesTheLossOfItsWorker() {
    ApiClient api = TestApps.api(APP);
    Workers workers = TestApps.installed(APP).workers();
    long pagesBefore = PAGES.hits("/order");
    String taskId = TestApps.createOrderTask(api, "Survives", PAGES.url("/order"), 4000);
    String runId = TestApps.queue(api, taskId, "{}");
    TestApps.awaitStep(api, runId, 2, Duration.ofSeconds(30));
    String firstWorker = workers.browserWorker().workerId();

    BrowserWorker replacement = workers.replaceBrowserWorker();

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(90));
    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/status").asText()).isEqualTo("Shipped: 48219");
    assertThat(run.at("/progress/currentStep").asInt()).isEqualTo(5);
    String logs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs).contains("Browser session on worker " + firstWorker + " was lost");
    assertThat(logs).contains("resuming at step 2 from the checkpoint of step 1");
    assertThat(logs)
        .containsPattern(
            "Browser session opened on worker "
                + replacement.workerId()
                + ", slot \\d+ \\([^)]*\\); resumed at step 2 from the checkpoint of step 1");
    // The checkpoint's page is loaded again to resume on it: step 1 did not run again.
    assertThat(PAGES.hits("/order")).isEqualTo(pagesBefore + 2);
  }

  /**
   * What a step wrote is in the store once the engine has its completion: the worker dying right
   * after takes none of it along (no write-behind may hold a completed step's lines).
   */
  @Test
  void aCompletedStepsLinesOutliveItsWorker() {
    ApiClient api = TestApps.api(APP);
    Workers workers = TestApps.installed(APP).workers();
    WorkflowClient engine = TestApps.installed(APP).engine().apiClient();
    String taskId = TestApps.createOrderTask(api, "Lines kept", PAGES.url("/order"), 4000);
    String runId = TestApps.queue(api, taskId, "{}");

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> completedSteps(engine, runId) >= 1);
    workers.replaceBrowserWorker();

    String logs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs).containsPattern("Step 1/5 goto [^\"]* done in \\d+ ms");
    assertThat(TestApps.awaitTerminal(api, runId, Duration.ofSeconds(90)).get("status").asText())
        .isEqualTo("COMPLETED");
  }

  /** How many of the run's steps the engine has recorded as completed. */
  private static long completedSteps(WorkflowClient engine, String runId) {
    List<HistoryEvent> events = engine.fetchHistory("run-" + runId).getEvents();
    java.util.Set<Long> steps = new java.util.HashSet<>();
    long completed = 0;
    for (HistoryEvent e : events) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
          && e.getActivityTaskScheduledEventAttributes()
              .getActivityType()
              .getName()
              .equals("RunStep")) {
        steps.add(e.getEventId());
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
          && steps.contains(e.getActivityTaskCompletedEventAttributes().getScheduledEventId())) {
        completed++;
      }
    }
    return completed;
  }
}
