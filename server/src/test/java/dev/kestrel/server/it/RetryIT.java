package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import dev.kestrel.workflows.RunSearchAttributes;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retry from a step: a failed run goes on as a new run from its checkpoint, with the outputs before
 * the step and corrected inputs, without repeating what it did; once-steps need a person's
 * confirmation; the answers a client gets are those of the API.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class RetryIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  @RegisterExtension static final TestPages PAGES = new TestPages();

  private static final String CART_TASK =
      """
      {"name": "Cart %s", "inputs": {"field": {"type": "string", "required": true}},
       "steps": [
         {"id": "open", "action": "goto", "url": "%s"},
         {"id": "add1", "action": "click", "selector": "#add"},
         {"id": "add2", "action": "click", "selector": "#add"%s},
         {"id": "note", "action": "fill", "selector": "{{inputs.field}}", "value": "gift", "timeoutMs": 1000},
         {"id": "count", "action": "extract", "selector": "#count", "output": "count"}
       ]}
      """;

  private static String cartTask(ApiClient api, String name, boolean addIsOnce) {
    return TestApps.createTask(
        api, CART_TASK.formatted(name, PAGES.url("/cart"), addIsOnce ? ", \"once\": true" : ""));
  }

  @Test
  void aRunFailedOnAWrongInputIsRetriedFromThatStepWithTheRightOneAndRepeatsNothing() {
    ApiClient api = TestApps.api(APP);
    String task = cartTask(api, "retried", false);
    String failed = TestApps.queue(api, task, "{\"inputs\": {\"field\": \"#wrong\"}}");
    JsonNode first = TestApps.awaitTerminal(api, failed, Duration.ofSeconds(60));
    assertThat(first.get("status").asText()).isEqualTo("FAILED");
    assertThat(first.at("/error/nodeId").asText()).isEqualTo("note");
    await().atMost(Duration.ofSeconds(10)).until(() -> PAGES.hits("/added") == 2);

    ApiClient.Answer retried =
        api.post(
            "/public/v1/task-runs/" + failed + "/retry",
            "{\"inputs\": {\"field\": \"#note\"}, \"clientRequestId\": \"fix-1\"}");

    assertThat(retried.status()).isEqualTo(202);
    JsonNode retry = retried.json().get("run");
    assertThat(retry.get("retryOf").asText()).isEqualTo(failed);
    assertThat(retry.get("startedAtStep").asInt()).isEqualTo(4);
    JsonNode done = TestApps.awaitTerminal(api, retry.get("id").asText(), Duration.ofSeconds(60));
    assertThat(done.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(done.at("/outputs/count").asText())
        .as("the cart of the original, restored")
        .isEqualTo("2");
    assertThat(done.at("/inputs/field").asText()).isEqualTo("#note");
    assertThat(PAGES.hits("/added")).as("no item added again").isEqualTo(2);
    String log = api.get("/public/v1/task-runs/" + retry.get("id").asText() + "/logs").raw().body();
    assertThat(log).contains("resumed at step 4 from the checkpoint of step 3");
    var attributes =
        TestApps.installed(APP)
            .engine()
            .apiClient()
            .newUntypedWorkflowStub("run-" + retry.get("id").asText())
            .describe()
            .getTypedSearchAttributes();
    assertThat(attributes.get(RunSearchAttributes.RETRY_OF)).isEqualTo(failed);

    ApiClient.Answer again =
        api.post(
            "/public/v1/task-runs/" + failed + "/retry",
            "{\"inputs\": {\"field\": \"#note\"}, \"clientRequestId\": \"fix-1\"}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().at("/run/id").asText()).isEqualTo(retry.get("id").asText());
  }

  @Test
  void aCompletedOnceStepRunsAgainOnlyWhenConfirmed() {
    ApiClient api = TestApps.api(APP);
    String task = cartTask(api, "once", true);
    String failed = TestApps.queue(api, task, "{\"inputs\": {\"field\": \"#wrong\"}}");
    TestApps.awaitTerminal(api, failed, Duration.ofSeconds(60));

    ApiClient.Answer unconfirmed =
        api.post("/public/v1/task-runs/" + failed + "/retry", "{\"fromStep\": 2}");
    ApiClient.Answer fromFailedStep =
        api.post(
            "/public/v1/task-runs/" + failed + "/retry", "{\"inputs\": {\"field\": \"#note\"}}");
    ApiClient.Answer confirmed =
        api.post(
            "/public/v1/task-runs/" + failed + "/retry",
            "{\"fromStep\": 2, \"confirm\": [\"add2\"]}");

    assertThat(unconfirmed.status()).isEqualTo(409);
    assertThat(unconfirmed.json().at("/detail/code").asText()).isEqualTo("confirm_required");
    assertThat(unconfirmed.json().at("/detail/steps").toString()).isEqualTo("[\"add2\"]");
    assertThat(fromFailedStep.status())
        .as("after the once-step: nothing to confirm")
        .isEqualTo(202);
    assertThat(confirmed.status()).isEqualTo(202);
    TestApps.awaitTerminal(
        api, fromFailedStep.json().at("/run/id").asText(), Duration.ofSeconds(60));
    TestApps.awaitTerminal(api, confirmed.json().at("/run/id").asText(), Duration.ofSeconds(60));
  }

  @Test
  void aRetryIsRefusedForARunningRunAnotherOrganizationsRunAndABadStep() {
    ApiClient api = TestApps.api(APP);
    String task =
        TestApps.createTask(
            api,
            """
            {"name": "Long", "steps": [{"id": "wait", "action": "waitFor", "ms": 30000}]}
            """);
    String running = TestApps.queue(api, task, "{}");
    TestApps.awaitStatus(api, running, "RUNNING", Duration.ofSeconds(30));
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("retry-stranger", null, null);
    ApiClient stranger = api.withKey(organizations.issueKey("retry-stranger", "retry").secret());

    assertThat(
            api.post("/public/v1/task-runs/" + running + "/retry", "{}")
                .json()
                .get("detail")
                .asText())
        .isEqualTo("run_not_retryable");
    assertThat(api.post("/public/v1/task-runs/" + running + "/retry", "{}").status())
        .isEqualTo(409);
    assertThat(stranger.post("/public/v1/task-runs/" + running + "/retry", "{}").status())
        .isEqualTo(404);

    api.post("/public/v1/task-runs/" + running + "/cancel", "{}");
    TestApps.awaitTerminal(api, running, Duration.ofSeconds(60));
    ApiClient.Answer outOfRange =
        api.post("/public/v1/task-runs/" + running + "/retry", "{\"fromStep\": 2}");
    ApiClient.Answer notANumber =
        api.post("/public/v1/task-runs/" + running + "/retry", "{\"fromStep\": \"two\"}");
    ApiClient.Answer unknownInput =
        api.post("/public/v1/task-runs/" + running + "/retry", "{\"inputs\": {\"nope\": 1}}");
    assertThat(outOfRange.status()).isEqualTo(400);
    assertThat(outOfRange.json().get("detail").toString()).contains("fromStep");
    assertThat(notANumber.status()).isEqualTo(400);
    assertThat(unknownInput.status()).isEqualTo(400);
    assertThat(unknownInput.json().get("detail").toString()).contains("nope");
    assertThat(api.get("/public/v1/task-runs?taskId=" + task).json().get("runs"))
        .as("nothing made")
        .hasSize(1);
  }
}
