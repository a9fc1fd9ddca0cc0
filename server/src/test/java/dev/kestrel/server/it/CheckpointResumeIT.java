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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A run whose worker is lost resumes on another at the step after its last checkpoint, with the
 * browser's state really restored (a session cookie, localStorage, the origin's sessionStorage),
 * and no step before it runs again. The state is sealed at rest.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class CheckpointResumeIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.limits().maxCheckpointBytes(64 * 1024));

  @Test
  void aLostWorkersRunResumesAfterItsLastCheckpointLoggedInWithItsStorage() throws Exception {
    ApiClient api = TestApps.api(APP);
    Workers workers = TestApps.installed(APP).workers();
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Logged in across a lost worker", "steps": [
              {"id": "login", "action": "goto", "url": "%s"},
              {"id": "home", "action": "goto", "url": "%s"},
              {"id": "linger", "action": "waitFor", "ms": 4000},
              {"id": "account", "action": "goto", "url": "%s"},
              {"id": "name", "action": "extract", "selector": "#name", "output": "name"},
              {"id": "cart", "action": "extract", "selector": "#cart", "output": "cart"},
              {"id": "draft", "action": "extract", "selector": "#draft", "output": "draft"}
            ]}
            """
                .formatted(PAGES.url("/login"), PAGES.url("/home"), PAGES.url("/account")));
    String runId = TestApps.queue(api, taskId, "{}");
    TestApps.awaitStep(api, runId, 3, Duration.ofSeconds(30));
    String firstWorker = workers.browserWorker().workerId();

    BrowserWorker replacement = workers.replaceBrowserWorker();

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(90));
    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/name").asText())
        .as("the session cookie was restored")
        .isEqualTo("Ada");
    assertThat(run.at("/outputs/cart").asText()).as("localStorage").isEqualTo("2 items");
    assertThat(run.at("/outputs/draft").asText())
        .as("the origin's sessionStorage")
        .isEqualTo("hello");
    assertThat(PAGES.hits("/login")).as("the login was not repeated").isEqualTo(1);
    String logs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs)
        .contains("Browser session on worker " + firstWorker + " was lost at step 3")
        .contains("resuming at step 3 from the checkpoint of step 2")
        .containsPattern(
            "Browser session opened on worker "
                + replacement.workerId()
                + ", slot \\d+ \\([^)]*\\); resumed at step 3 from the checkpoint of step 2")
        .doesNotContain("sid=");

    // Sealed at rest: the session cookie's value is nowhere in the data folder, nor in the
    // workflow's history (which holds the checkpoint's step and digest only).
    String sid = PAGES.issuedSessions().iterator().next();
    Path dataDir = APP.getConfiguration().dataDir();
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String content =
            new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(content).as(file.toString()).doesNotContain(sid);
      }
    }
    // The history's text form shows payloads as the JSON they hold.
    assertThat(TestApps.history(APP, runId))
        .contains("digest")
        .doesNotContain(sid)
        .doesNotContain("storageState");
  }

  @Test
  void aSessionLostDuringAOnceStepFailsTheRunAsInterruptedAndTheEffectHappenedOnce() {
    ApiClient api = TestApps.api(APP);
    Workers workers = TestApps.installed(APP).workers();
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Places an order", "steps": [
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "order", "action": "goto", "url": "%s", "once": true, "timeoutMs": 60000},
              {"id": "read", "action": "extract", "selector": "#slow", "output": "confirmation"}
            ]}
            """
                .formatted(PAGES.url("/home"), PAGES.url("/slow?ms=15000")));
    String runId = TestApps.queue(api, taskId, "{}");
    TestApps.awaitStep(api, runId, 2, Duration.ofSeconds(30));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> PAGES.hits("/slow") == 1);

    workers.replaceBrowserWorker();

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(90));
    assertThat(run.get("status").asText()).isEqualTo("FAILED");
    assertThat(run.at("/error/code").asText()).isEqualTo("interrupted_side_effect");
    assertThat(run.at("/error/nodeId").asText()).isEqualTo("order");
    assertThat(run.at("/error/message").asText()).contains("Check whether it took effect");
    assertThat(PAGES.hits("/slow")).as("the order was placed once, never again").isEqualTo(1);
  }

  @Test
  void aStateOverTheCapIsNotKeptAndTheLogSaysTheRunCannotResumePastItsStep() {
    ApiClient api = TestApps.api(APP);
    String taskId =
        TestApps.createTask(
            api,
            """
            {"name": "Big storage", "steps": [
              {"id": "big", "action": "goto", "url": "%s"},
              {"id": "read", "action": "extract", "selector": "#big", "output": "big"}
            ]}
            """
                .formatted(PAGES.url("/big-storage")));
    String runId = TestApps.queue(api, taskId, "{}");

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));

    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(api.get("/public/v1/task-runs/" + runId + "/logs").raw().body())
        .contains(
            "over the limit of 65536: were its session lost later, this run could not resume past step 1");
  }
}
