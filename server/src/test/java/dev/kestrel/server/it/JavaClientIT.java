package dev.kestrel.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kestrel.client.KestrelApiException;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.QueuedRun;
import dev.kestrel.client.RetryRequest;
import dev.kestrel.client.RunEvent;
import dev.kestrel.client.RunQuery;
import dev.kestrel.client.RunRequest;
import dev.kestrel.client.TaskQuery;
import dev.kestrel.client.WebhookVerifier;
import dev.kestrel.model.InputSpec;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepAction;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.model.api.Envelopes.RunPage;
import dev.kestrel.model.api.Envelopes.WebhookEndpointCreated;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;
import dev.kestrel.model.api.Task;
import dev.kestrel.model.api.WebhookAttempt;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.server.support.WebhookReceiver;
import dev.kestrel.testkit.TestPages;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Java client (module {@code client}) against the real server: every call a Java backend makes,
 * typed end to end, each answer also checked against the OpenAPI document.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class JavaClientIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  @RegisterExtension static final WebhookReceiver RECEIVER = new WebhookReceiver();
  static final DropwizardAppExtension<KestrelConfiguration> APP = TestApps.shared();

  KestrelClient client() {
    return TestApps.client("http://127.0.0.1:" + APP.getLocalPort());
  }

  static TaskDefinition orderTask(String name, String url) {
    return new TaskDefinition(
        name,
        "From the Java client",
        Map.of("orderId", new InputSpec("string", null, "48219", null)),
        List.of(
            step("open", StepAction.GOTO, url, null, null, null),
            step("search", StepAction.FILL, null, "#order", "{{inputs.orderId}}", null),
            step("submit", StepAction.CLICK, null, "button[type=submit]", null, null),
            step("read", StepAction.EXTRACT, null, "#status", null, "status"),
            step("snapshot", StepAction.SCREENSHOT, null, null, null, "page")),
        120,
        null,
        null);
  }

  static StepSpec step(
      String id, StepAction action, String url, String selector, String value, String output) {
    return StepSpec.builder(id, action)
        .url(url)
        .selector(selector)
        .value(value)
        .output(output)
        .build();
  }

  @Test
  void aTaskIsSavedListedUpdatedAndDeletedWithTypedBodies() {
    KestrelClient client = client();
    Task created = client.createTask(orderTask("Typed order lookup", PAGES.url("/order")));
    assertThat(created.version()).isEqualTo(1);
    assertThat(created.status()).isEqualTo(Task.READY);
    assertThat(created.steps())
        .extracting(StepSpec::action)
        .containsExactly(
            StepAction.GOTO,
            StepAction.FILL,
            StepAction.CLICK,
            StepAction.EXTRACT,
            StepAction.SCREENSHOT);
    assertThat(created.inputs().get("orderId").defaultValue()).isEqualTo("48219");

    assertThat(client.listTasks(TaskQuery.all().search("TYPED order").limit(5)).tasks())
        .extracting(Task::id)
        .contains(created.id());
    assertThat(client.listTasks(TaskQuery.all().status("NEEDS_REVIEW")).total()).isZero();
    Task renamed =
        client.updateTask(
            created.id(),
            new TaskDefinition(
                "Typed, renamed", null, created.inputs(), created.steps(), 60, null, null));
    assertThat(renamed.version()).isEqualTo(2);
    assertThat(client.getTask(created.id()).name()).isEqualTo("Typed, renamed");

    client.deleteTask(created.id());
    assertThatThrownBy(() -> client.getTask(created.id()))
        .isInstanceOfSatisfying(
            KestrelApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.code()).isEqualTo("task_not_found");
            });
    assertThatThrownBy(() -> client.listTasks(TaskQuery.all().limit(101)))
        .isInstanceOfSatisfying(
            KestrelApiException.class, e -> assertThat(e.code()).isEqualTo("validation_error"));
  }

  @Test
  void aRunIsQueuedOnceFollowedToItsEndAndItsLogsAndArtifactRead() {
    KestrelClient client = client();
    String taskId = client.createTask(orderTask("Followed", PAGES.url("/order"))).id();
    RunRequest request =
        RunRequest.withInputs(Map.of("orderId", "77")).clientRequestId("java-client-1");

    QueuedRun first = client.queueRun(taskId, request);
    QueuedRun again = client.queueRun(taskId, request);
    assertThat(first.wasReplayed()).isFalse();
    assertThat(first.run().status()).isEqualTo(RunStatus.PENDING);
    assertThat(again.wasReplayed()).isTrue();
    assertThat(again.run().id()).isEqualTo(first.run().id());

    String runId = first.run().id();
    List<RunEvent> events = client.followRun(runId, null).toList();
    List<LogEntry> streamed =
        events.stream()
            .filter(e -> e instanceof RunEvent.Log)
            .map(e -> ((RunEvent.Log) e).entry())
            .toList();
    Run last = ((RunEvent.RunChanged) events.get(events.size() - 1)).run();
    assertThat(last.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(last.outputs().get("status")).isEqualTo("Shipped: 77");

    Run ended = client.awaitEnd(runId, Duration.ofSeconds(60));
    assertThat(ended.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(ended.progress().currentStep()).isEqualTo(ended.progress().stepsTotal());
    List<LogEntry> logs = client.logs(runId);
    assertThat(logs)
        .extracting(LogEntry::id)
        .containsExactlyElementsOf(streamed.stream().map(LogEntry::id).toList());
    assertThat(client.logs(runId, logs.get(0).id())).hasSize(logs.size() - 1);

    String screenshot = (String) ended.outputs().get("page");
    byte[] png = client.artifact(runId, screenshot.substring(screenshot.lastIndexOf('/') + 1));
    assertThat(png).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    assertThat(client.taskRuns(taskId)).extracting(Run::id).containsExactly(runId);
    RunPage page =
        client.listRuns(RunQuery.all().taskId(taskId).status(RunStatus.COMPLETED).limit(1));
    assertThat(page.runs()).extracting(Run::id).containsExactly(runId);
    assertThat(client.cancel(runId, "too late").status())
        .as("a terminal run comes back unchanged")
        .isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void aRunIsCancelledWithItsReasonAndAWaitAnswersAtItsEnd() {
    KestrelClient client = client();
    String taskId =
        client
            .createTask(
                new TaskDefinition(
                    "Long wait",
                    null,
                    null,
                    List.of(
                        step("open", StepAction.GOTO, PAGES.url("/order"), null, null, null),
                        StepSpec.waitFor("wait", 30_000L)),
                    120,
                    null,
                    null))
            .id();
    String runId = client.queueRun(taskId).run().id();
    TestApps.awaitStep(client, runId, 2, Duration.ofSeconds(60));

    assertThat(client.waitForFinish(runId, Duration.ofSeconds(1)).status())
        .as("not ended after 1 s")
        .isEqualTo(RunStatus.RUNNING);
    client.cancel(runId, "not needed any more");
    Run cancelled = client.awaitEnd(runId, Duration.ofSeconds(60));
    assertThat(cancelled.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(cancelled.cancelReason()).isEqualTo("not needed any more");
  }

  @Test
  void aFailedRunIsRetriedFromAStepOnceAndARepeatNamesTheSameRetry() {
    KestrelClient client = client();
    String taskId =
        client
            .createTask(
                """
                {"name": "Retried from Java", "steps": [
                  {"id": "open", "action": "goto", "url": "%s"},
                  {"id": "missing", "action": "click", "selector": "#nowhere", "timeoutMs": 500}
                ]}
                """
                    .formatted(PAGES.url("/order")))
            .id();
    String failed = client.queueRun(taskId).run().id();
    assertThat(client.awaitEnd(failed, Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.FAILED);

    QueuedRun retry =
        client.retry(failed, RetryRequest.fromFailedStep().clientRequestId("again-1"));
    QueuedRun repeat =
        client.retry(failed, RetryRequest.fromFailedStep().clientRequestId("again-1"));

    assertThat(retry.wasReplayed()).isFalse();
    assertThat(retry.run().retryOf()).isEqualTo(failed);
    assertThat(retry.run().startedAtStep()).isEqualTo(2);
    assertThat(repeat.wasReplayed()).isTrue();
    assertThat(repeat.run().id()).isEqualTo(retry.run().id());
    assertThat(client.awaitEnd(retry.run().id(), Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.FAILED);
    assertThatThrownBy(() -> client.retry(retry.run().id(), RetryRequest.fromStep(9)))
        .isInstanceOf(KestrelApiException.class)
        .satisfies(e -> assertThat(((KestrelApiException) e).status()).isEqualTo(400));
  }

  @Test
  void webhookEndpointsAreManagedAndTheirDeliveriesVerifyWithTheClientsVerifier() {
    KestrelClient client = client();
    String taskId = client.createTask(orderTask("Hooked", PAGES.url("/order"))).id();
    WebhookEndpointCreated created =
        client.createWebhookEndpoint(
            RECEIVER.url("/java-client"), List.of(WebhookEvent.COMPLETED), taskId);
    assertThat(created.secret()).startsWith("wh_");
    assertThat(client.webhookEndpoints()).extracting(e -> e.id()).contains(created.endpoint().id());

    String runId = client.queueRun(taskId).run().id();
    assertThat(client.awaitEnd(runId, Duration.ofSeconds(60)).status())
        .isEqualTo(RunStatus.COMPLETED);
    List<WebhookReceiver.Delivery> got =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> RECEIVER.received("/java-client", runId), l -> !l.isEmpty());
    WebhookReceiver.Delivery delivery = got.get(0);
    assertThat(delivery.event()).isEqualTo("task-run.completed");
    WebhookVerifier verifier = new WebhookVerifier(created.secret());
    org.assertj.core.api.Assertions.assertThatCode(
            () -> verifier.verify(delivery.header("x-komos-signature"), delivery.body()))
        .doesNotThrowAnyException();
    // The attempt is recorded once the receiver has answered: a moment after it got the body.
    List<WebhookAttempt> attempts =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> client.webhookDeliveries(created.endpoint().id(), runId), l -> !l.isEmpty());
    assertThat(attempts).extracting(WebhookAttempt::delivered).containsExactly(true);

    client.deleteWebhookEndpoint(created.endpoint().id());
    assertThat(client.webhookEndpoints())
        .extracting(e -> e.id())
        .doesNotContain(created.endpoint().id());
  }

  @Test
  void profilesAndProxiesAreManagedThroughTheClientAndTheirSecretsNeverReadBack() {
    KestrelClient client = client();
    dev.kestrel.model.api.Profile profile =
        client.createProfile("client-login-" + UUID.randomUUID());
    assertThat(profile.version()).isZero();
    String state =
        "{\"cookies\": [{\"name\": \"sid\", \"value\": \"s3cr3t-cookie\", \"domain\":"
            + " \"127.0.0.1\", \"path\": \"/\", \"expires\": -1, \"httpOnly\": true, \"secure\":"
            + " false, \"sameSite\": \"Lax\"}], \"origins\": []}";
    assertThat(client.importProfileState(profile.id(), state).version()).isEqualTo(1);
    assertThat(client.importProfileState(profile.id(), state).version()).isEqualTo(2);
    assertThat(client.profileVersions(profile.id()))
        .extracting(dev.kestrel.model.api.ProfileVersion::version)
        .containsExactly(2, 1);
    assertThat(client.rollbackProfile(profile.id(), 1).version()).isEqualTo(3);
    assertThat(client.profiles())
        .extracting(dev.kestrel.model.api.Profile::id)
        .contains(profile.id());
    assertThat(client.getProfile(profile.id()).toString()).doesNotContain("s3cr3t-cookie");
    client.deleteProfile(profile.id());
    dev.kestrel.model.api.Proxy proxy =
        client.createProxy(
            "client-proxy-" + UUID.randomUUID(), "http://127.0.0.1:3128", "u", "pw-xyz");
    assertThat(proxy.hasPassword()).isTrue();
    assertThat(client.proxies().toString()).contains(proxy.id()).doesNotContain("pw-xyz");
    client.deleteProxy(proxy.id());
    assertThatThrownBy(() -> client.getProfile(profile.id()))
        .isInstanceOfSatisfying(
            KestrelApiException.class, e -> assertThat(e.code()).isEqualTo("profile_not_found"));
  }
}
