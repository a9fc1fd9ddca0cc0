package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.TestChromium;
import dev.kestrel.server.support.WebhookReceiver;
import dev.kestrel.server.support.WebhookReceiver.Delivery;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 25: a run that waits for a person. A sign-in asks for a one-time code after the password;
 * the run waits with its page open, tells the endpoints that asked, takes the code through the API
 * or through its input link (driven in Chromium as a person would), and completes on the same page
 * load. The code, a secret, appears nowhere in clear.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class InputStepIT {
  static final String CODE = "482913";
  static final Duration WAITS = Duration.ofSeconds(60);

  @RegisterExtension static final TestPages PAGES = new TestPages();
  @RegisterExtension static final WebhookReceiver RECEIVER = new WebhookReceiver();
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  static Playwright playwright;
  static Browser chromium;

  @BeforeAll
  static void startChromium() {
    playwright = TestChromium.playwright();
    chromium = TestChromium.launch(playwright);
  }

  @AfterAll
  static void stopChromium() {
    if (playwright != null) {
      playwright.close();
    }
  }

  /** Sign in, read the page's nonce, wait for the code, type it, verify, read the result. */
  static String twoFactorTask(String name, String inputExtra) {
    return """
        {"name": "%s", "inputs": {"phone": {"type": "string", "default": "+1 555 0100"}},
         "steps": [
           {"id": "open", "action": "goto", "url": "%s"},
           {"id": "user", "action": "fill", "selector": "#user", "value": "ada"},
           {"id": "password", "action": "fill", "selector": "#password", "value": "hunter2"},
           {"id": "signin", "action": "click", "selector": "#signin"},
           {"id": "nonce", "action": "extract", "selector": "#nonce", "output": "nonce"},
           {"id": "otp", "action": "input", "prompt": "Enter the code sent to {{inputs.phone}}",
            "fields": {"code": {"type": "secret", "label": "6-digit code", "pattern": "[0-9]{6}"},
                       "remember": {"type": "boolean", "required": false}}%s},
           {"id": "type", "action": "fill", "selector": "#code", "value": "{{input.otp.code}}"},
           {"id": "verify", "action": "click", "selector": "#verify"},
           {"id": "verified", "action": "assert", "selector": "#result", "textContains": "verified"},
           {"id": "result", "action": "extract", "selector": "#result", "output": "result"}
         ]}
        """
        .formatted(name, PAGES.url("/two-factor"), inputExtra);
  }

  private static String endpoint(ApiClient api, String taskId, String events) {
    ApiClient.Answer created =
        api.post(
            "/public/v1/webhook-endpoints",
            "{\"url\": \""
                + RECEIVER.url("/" + events.hashCode())
                + "\", \"taskId\": \""
                + taskId
                + "\", \"events\": "
                + events
                + "}");
    assertThat(created.status()).isEqualTo(201);
    return created.json().at("/secret").asText();
  }

  private static String metrics() {
    return TestApps.api(APP)
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + APP.getAdminPort() + "/metrics/prometheus"))
                .GET())
        .raw()
        .body();
  }

  private static String base() {
    return "http://127.0.0.1:" + APP.getLocalPort();
  }

  private static String link(JsonNode run) {
    String url = run.at("/waitingFor/inputUrl").asText();
    return url.startsWith("http") ? url : base() + url;
  }

  @Test
  void aRunWaitsForTheCodeTellsWhoAskedTakesItThroughTheApiAndCompletesOnTheSamePageLoad()
      throws Exception {
    ApiClient api = TestApps.api(APP);
    String taskId = TestApps.createTask(api, twoFactorTask("Two-factor sign-in", ""));
    String waitingEvents = "[\"task-run.waiting\"]";
    String komosEvents =
        "[\"task-run.started\", \"task-run.completed\", \"task-run.failed\","
            + " \"task-run.cancelled\", \"task-run.log\"]";
    String waitingSecret = endpoint(api, taskId, waitingEvents);
    endpoint(api, taskId, komosEvents);
    int pageLoads = (int) PAGES.hits("/two-factor");

    String runId = TestApps.queue(api, taskId, "{}");
    JsonNode waiting = TestApps.awaitWaiting(api, runId, WAITS);

    assertThat(waiting.get("status").asText()).isEqualTo("RUNNING");
    assertThat(waiting.at("/progress/currentStep").asInt()).isEqualTo(6);
    JsonNode waitingFor = waiting.get("waitingFor");
    assertThat(waitingFor.get("stepId").asText()).isEqualTo("otp");
    assertThat(waitingFor.get("prompt").asText()).isEqualTo("Enter the code sent to +1 555 0100");
    assertThat(waitingFor.at("/fields/code/type").asText()).isEqualTo("secret");
    assertThat(waitingFor.at("/fields/remember/type").asText()).isEqualTo("boolean");
    assertThat(waitingFor.get("expiresAt").asText()).matches("\\d{4}-.*Z");
    assertThat(waitingFor.get("inputUrl").asText()).contains("/input/" + runId + "/1.");
    String logs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs).contains("Waiting for input at step 6: Enter the code sent to +1 555 0100");
    // What the Temporal UI shows as the workflow's current details.
    io.temporal.api.sdk.v1.WorkflowMetadata metadata =
        TestApps.installed(APP)
            .engine()
            .apiClient()
            .newUntypedWorkflowStub("run-" + runId)
            .query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class);
    assertThat(metadata.getCurrentDetails())
        .contains(
            "Waiting for input", "step 6/10 (otp)", "Enter the code sent to", "code (secret)");

    assertThat(metrics()).as("waiting runs").containsPattern("(?m)^kestrel_runs_waiting [1-9]");

    List<Delivery> waits =
        await()
            .atMost(WAITS)
            .until(
                () -> RECEIVER.received("/" + waitingEvents.hashCode(), runId), d -> !d.isEmpty());
    assertThat(waits).hasSize(1);
    assertThat(waits.get(0).event()).isEqualTo("task-run.waiting");
    assertThat(waits.get(0).signatureVerifies(waitingSecret, "komos-webhook-pepper")).isTrue();
    assertThat(waits.get(0).json().at("/waitingFor/stepId").asText()).isEqualTo("otp");

    ApiClient.Answer answered =
        api.post(
            "/public/v1/task-runs/" + runId + "/input",
            "{\"stepId\": \"otp\", \"values\": {\"code\": \"" + CODE + "\"}}");
    assertThat(answered.status()).as(answered.raw().body()).isEqualTo(200);
    assertThat(answered.json().at("/run/waitingFor").isNull()).isTrue();
    ApiClient.Answer again =
        api.post(
            "/public/v1/task-runs/" + runId + "/input",
            "{\"stepId\": \"otp\", \"values\": {\"code\": \"" + CODE + "\"}}");
    assertThat(again.status()).as("the same values again").isEqualTo(200);

    JsonNode run = TestApps.awaitTerminal(api, runId, WAITS);
    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/result").asText()).isEqualTo("verified");
    String nonce = run.at("/outputs/nonce").asText();
    assertThat(PAGES.verifications())
        .as("the page that made the nonce got the code")
        .contains(nonce + ":" + CODE);
    assertThat(PAGES.hits("/two-factor") - pageLoads).as("one page load").isEqualTo(1);

    List<Delivery> komos =
        await()
            .atMost(WAITS)
            .until(
                () -> RECEIVER.received("/" + komosEvents.hashCode(), runId),
                d -> d.stream().anyMatch(x -> x.event().equals("task-run.completed")));
    assertThat(komos).extracting(Delivery::event).doesNotContain("task-run.waiting");

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(metrics())
                    .as("how long answers take")
                    .containsPattern("(?m)^kestrel_input_waits_total\\{.*outcome=\"answered\"")
                    .containsPattern(
                        "(?m)^kestrel_input_answer_time_seconds_count(\\{.*})? [1-9]"));

    // The code is nowhere in clear: not in the metrics, the logs (the step that typed it says
    // ••••), the run,
    // the webhooks, the workflow's history, or the data folder.
    assertThat(metrics()).doesNotContain(CODE);
    String allLogs = api.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(allLogs)
        .contains("Step 7/10 fill #code with ••••", "Input received for step otp")
        .doesNotContain(CODE);
    assertThat(api.get("/public/v1/task-runs/" + runId).raw().body()).doesNotContain(CODE);
    for (Delivery d :
        Stream.concat(
                RECEIVER.received("/" + waitingEvents.hashCode(), runId).stream(),
                RECEIVER.received("/" + komosEvents.hashCode(), runId).stream())
            .toList()) {
      assertThat(new String(d.body(), StandardCharsets.UTF_8)).doesNotContain(CODE);
    }
    assertThat(TestApps.history(APP, runId)).contains("sealed:").doesNotContain(CODE);
    assertThat(PAGES.verifications()).isNotEmpty();
    try (Stream<Path> files = Files.walk(APP.getConfiguration().dataDir())) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
            .as(file.toString())
            .doesNotContain(CODE);
      }
    }
  }

  @Test
  void aPersonAnswersOnTheInputLinkFromAPhoneOnceAndOnlyForThatRun() {
    ApiClient api = TestApps.api(APP);
    KestrelClient client = TestApps.client(base());
    String taskId = TestApps.createTask(api, twoFactorTask("Two-factor by link", ""));
    String runId = TestApps.queue(api, taskId, "{}");
    String other = TestApps.queue(api, taskId, "{}");
    Run waiting = client.awaitWaiting(runId, WAITS);
    assertThat(waiting.waitingFor()).isNotNull();
    JsonNode run = TestApps.awaitWaiting(api, runId, WAITS);
    JsonNode otherRun = TestApps.awaitWaiting(api, other, WAITS);
    String link = link(run);

    try (var context =
        chromium.newContext(
            new Browser.NewContextOptions().setViewportSize(390, 844).setIsMobile(true))) {
      Page phone = context.newPage();
      assertThat(phone.navigate(link).status()).isEqualTo(200);
      assertThat(phone.textContent("h1")).isEqualTo("Enter the code sent to +1 555 0100");
      assertThat(phone.textContent("label[for=f-code]")).isEqualTo("6-digit code");
      phone.waitForFunction("document.querySelector('img').complete");
      assertThat(phone.evaluate("document.querySelector('img').naturalWidth"))
          .as("the page the run waits on")
          .isNotEqualTo(0);
      assertThat(phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
          .as("fits a phone's width")
          .isEqualTo(true);
      phone.fill("#f-code", "12");
      phone.evaluate("document.querySelector('#f-code').removeAttribute('pattern')");
      phone.click("button[type=submit]");
      assertThat(phone.textContent(".problems")).contains("does not match the pattern");
      phone.fill("#f-code", CODE);
      phone.check("#f-remember");
      phone.click("button[type=submit]");
      assertThat(phone.textContent(".notice")).contains("Your answer was received");

      JsonNode done = TestApps.awaitTerminal(api, runId, WAITS);
      assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("COMPLETED");
      assertThat(PAGES.verifications()).contains(done.at("/outputs/nonce").asText() + ":" + CODE);

      Page again = context.newPage();
      assertThat(again.navigate(link).status()).isEqualTo(409);
      assertThat(again.textContent(".notice")).contains("already answered");
      ApiClient.Answer resent =
          api.send(
              HttpRequest.newBuilder(URI.create(link))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString("code=" + CODE)));
      assertThat(resent.status()).as("a second submission").isEqualTo(409);
      assertThat(resent.raw().body()).contains("already answered");

      // The other run's link names the other run: with this run's id it is not valid.
      String otherToken = link(otherRun).substring(link(otherRun).lastIndexOf('/') + 1);
      Page forged = context.newPage();
      assertThat(forged.navigate(base() + "/input/" + runId + "/" + otherToken).status())
          .isEqualTo(404);
      assertThat(forged.textContent(".notice")).contains("not valid");
    }
    client.cancel(other, "done with it");
    assertThat(TestApps.awaitTerminal(api, other, WAITS).get("status").asText())
        .as("a waiting run can be cancelled")
        .isEqualTo("CANCELLED");
  }

  @Test
  void anUnansweredWaitFailsAsInputTimeoutOrGoesOnWithEmptyValuesAndItsLinkExpires() {
    ApiClient api = TestApps.api(APP);
    String failing =
        TestApps.createTask(api, twoFactorTask("Code or fail", ", \"timeoutSeconds\": 2"));
    String going =
        TestApps.createTask(
            api,
            """
            {"name": "Code or go on", "steps": [
              {"id": "open", "action": "goto", "url": "%s"},
              {"id": "ask", "action": "input", "prompt": "Your name?", "timeoutSeconds": 2,
               "onTimeout": "continue", "fields": {"name": {"type": "string"}}},
              {"id": "echo", "action": "goto", "url": "%s"},
              {"id": "read", "action": "extract", "selector": "#path", "output": "typed"}
            ]}
            """
                .formatted(PAGES.url("/two-factor"), PAGES.url("/echo-x{{input.ask.name}}x")));
    String failed = TestApps.queue(api, failing, "{}");
    String went = TestApps.queue(api, going, "{}");
    String link = link(TestApps.awaitWaiting(api, went, WAITS));

    JsonNode failedRun = TestApps.awaitTerminal(api, failed, WAITS);
    assertThat(failedRun.get("status").asText()).isEqualTo("FAILED");
    assertThat(failedRun.at("/error/code").asText()).isEqualTo("input_timeout");
    assertThat(failedRun.at("/error/nodeId").asText()).isEqualTo("otp");
    assertThat(failedRun.get("waitingFor").isNull()).isTrue();

    JsonNode wentRun = TestApps.awaitTerminal(api, went, WAITS);
    assertThat(wentRun.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(wentRun.at("/outputs/typed").asText()).isEqualTo("/echo-xx");
    assertThat(api.get("/public/v1/task-runs/" + went + "/logs").raw().body())
        .contains("going on with empty values");

    ApiClient.Answer expired = api.send(HttpRequest.newBuilder(URI.create(link)).GET());
    assertThat(expired.status()).isEqualTo(410);
    assertThat(expired.raw().body()).contains("expired");
  }

  @Test
  void badInputIsA400NamingItAndChangesNothingAndARunThatDoesNotWaitIsA409() {
    ApiClient api = TestApps.api(APP);
    String taskId = TestApps.createTask(api, twoFactorTask("Code, badly", ""));
    String runId = TestApps.queue(api, taskId, "{}");
    JsonNode before = TestApps.awaitWaiting(api, runId, WAITS);
    String input = "/public/v1/task-runs/" + runId + "/input";

    Map<String, List<Object>> cases =
        Map.of(
            "{\"stepId\": \"otp\", \"values\": {\"code\": 482913}}",
                List.of("body", "values", "code"),
            "{\"stepId\": \"otp\", \"values\": {\"code\": \"482913\", \"pin\": \"1\"}}",
                List.of("body", "values", "pin"),
            "{\"stepId\": \"otp\", \"values\": {\"remember\": true}}",
                List.of("body", "values", "code"),
            "{\"stepId\": \"otp\", \"values\": {\"code\": \"48291\"}}",
                List.of("body", "values", "code"),
            "{\"stepId\": \"nonce\", \"values\": {\"code\": \"482913\"}}",
                List.of("body", "stepId"),
            "{\"stepId\": \"nope\", \"values\": {\"code\": \"482913\"}}", List.of("body", "stepId"),
            "{\"values\": {\"code\": \"482913\"}}", List.of("body", "stepId"),
            "{\"stepId\": \"otp\", \"values\": {\"remember\": \"yes\", \"code\": \"482913\"}}",
                List.of("body", "values", "remember"));
    cases.forEach(
        (body, loc) -> {
          ApiClient.Answer answer = api.post(input, body);
          assertThat(answer.status()).as(body).isEqualTo(400);
          assertThat(ApiClient.write(answer.json().at("/detail/0/loc")))
              .as(body)
              .isEqualTo(ApiClient.write(loc));
        });
    assertThat(TestApps.run(api, runId).get("waitingFor")).isEqualTo(before.get("waitingFor"));

    api.post("/public/v1/task-runs/" + runId + "/cancel", "{}");
    TestApps.awaitTerminal(api, runId, WAITS);
    ApiClient.Answer late =
        api.post(input, "{\"stepId\": \"otp\", \"values\": {\"code\": \"482913\"}}");
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.json().get("detail").asText()).isEqualTo("not_waiting");
  }
}
