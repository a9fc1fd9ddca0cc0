package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.worker.BrowserWorker;
import dev.kestrel.server.worker.Workers;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Acceptance 10: the worker holding a run's browser session dies mid-step; a new worker on the same
 * engine resumes the run on another from its last checkpoint, and the run completes.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class WorkerFailoverIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.app();

  @Test
  void aRunSurvivesTheLossOfItsWorker() {
    ApiClient api = TestApps.api(APP);
    Workers workers = TestApps.installed(APP).workers();
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
    assertThat(PAGES.hits("/order")).isEqualTo(2);
  }
}
