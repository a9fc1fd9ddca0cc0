package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 25: a wait longer than the hold keeps the page as a checkpoint and frees the browser slot
 * (another run completes on the only slot meanwhile); the answer resumes the run from that
 * checkpoint, signed in as before.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class InputHoldIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.worker().browserSlots(1).holdForInputSeconds(5));

  @Test
  void aWaitPastTheHoldFreesTheSlotAndTheAnswerResumesFromTheCheckpoint() throws Exception {
    ApiClient api = TestApps.api(APP);
    String approval =
        TestApps.createTask(
            api,
            """
            {"name": "Approve the order", "steps": [
              {"id": "login", "action": "goto", "url": "%s"},
              {"id": "home", "action": "goto", "url": "%s"},
              {"id": "approve", "action": "input", "prompt": "Approve the order?",
               "timeoutSeconds": 120, "fields": {"ok": {"type": "boolean"}}},
              {"id": "account", "action": "goto", "url": "%s"},
              {"id": "name", "action": "extract", "selector": "#name", "output": "name"},
              {"id": "cart", "action": "extract", "selector": "#cart", "output": "cart"}
            ]}
            """
                .formatted(PAGES.url("/login"), PAGES.url("/home"), PAGES.url("/account")));
    String other =
        TestApps.createTask(
            api,
            """
            {"name": "Meanwhile", "steps": [
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "read", "action": "extract", "selector": "#path", "output": "path"}
            ]}
            """
                .formatted(PAGES.url("/meanwhile")));
    long logins = PAGES.hits("/login");
    String runId = TestApps.queue(api, approval, "{}");
    TestApps.awaitWaiting(api, runId, Duration.ofSeconds(60));
    long waitBegan = System.nanoTime();

    // The only slot is the waiting run's until its hold ends; then this run gets it.
    String meanwhile = TestApps.queue(api, other, "{}");
    JsonNode done = TestApps.awaitTerminal(api, meanwhile, Duration.ofSeconds(60));
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("COMPLETED");
    assertThat(TestApps.run(api, runId).get("status").asText()).isEqualTo("RUNNING");

    long waited = Duration.ofNanos(System.nanoTime() - waitBegan).toMillis();
    Thread.sleep(Math.max(0, 15_000 - waited));
    ApiClient.Answer answered =
        api.post(
            "/public/v1/task-runs/" + runId + "/input",
            "{\"stepId\": \"approve\", \"values\": {\"ok\": true}}");
    assertThat(answered.status()).as(answered.raw().body()).isEqualTo(200);

    JsonNode run = TestApps.awaitTerminal(api, runId, Duration.ofSeconds(60));
    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/name").asText())
        .as("the session cookie came back")
        .isEqualTo("Ada");
    assertThat(run.at("/outputs/cart").asText()).as("and localStorage").isEqualTo("2 items");
    assertThat(PAGES.hits("/login") - logins).as("the login was not repeated").isEqualTo(1);
    String logs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs)
        .contains("Still waiting for input: the page is kept as the checkpoint of step 3")
        .contains("resumed at step 4 from the checkpoint of step 3")
        .doesNotContain("was lost");
  }
}
