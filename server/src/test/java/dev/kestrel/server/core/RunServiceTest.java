package dev.kestrel.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.model.InputSpec;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.support.FakeRunEngine;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.store.Store;
import dev.kestrel.store.TestStore;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The run lifecycle on a real store (H2) and a fake engine: what is recorded, started, refused. */
class RunServiceTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Store store;
  FakeRunEngine engine;
  SimpleMeterRegistry meters = new SimpleMeterRegistry();
  RunService service;
  Organization org;
  String taskId;

  @BeforeEach
  void setUp() {
    store = TestStore.h2().open();
    engine = new FakeRunEngine();
    service =
        new RunService(
            store.tasks(),
            store.runs(),
            store.logs(),
            store.checkpointRows(),
            engine,
            new InputResolver(JSON),
            RunInput.ExecutionSettings.defaults(),
            "https://kestrel.example.com/",
            500,
            store.artifacts(),
            TestApps.LINKS,
            meters,
            TestApps.uploads(store),
            store.profileRows(),
            store.proxies());
    org = store.organizations().create("acme", null, null);
    taskId = saveTask(org, "READY");
  }

  private String saveTask(Organization owner, String status) {
    String id = UUID.randomUUID().toString();
    StepSpec step = StepSpec.waitFor("w", 1L);
    Map<String, InputSpec> inputs =
        Map.of(
            "url", new InputSpec("string", true, null, null),
            "count", new InputSpec("number", false, 3, null));
    store
        .tasks()
        .insert(
            new TaskRecord(
                id,
                owner.id(),
                new TaskDefinition("Lookup", null, inputs, List.of(step), 60, null, null),
                status,
                1,
                1L,
                1L));
    return id;
  }

  private static ObjectNode inputs(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Test
  void aQueuedRunIsRecordedThenStartedWithItsResolvedInputs() {
    RunService.Queued queued =
        service.queue(org, taskId, inputs("{\"url\": \"https://example.com\"}"), null, null);

    assertThat(queued.replayed()).isFalse();
    Run run = queued.run();
    assertThat(run.status()).isEqualTo(RunStatus.PENDING);
    assertThat(run.inputs()).isEqualTo(Map.of("url", "https://example.com", "count", 3));
    assertThat(run.logsUrl())
        .isEqualTo("https://kestrel.example.com/public/v1/task-runs/" + run.id() + "/logs");
    assertThat(engine.started)
        .singleElement()
        .satisfies(
            input -> {
              assertThat(input.runId()).isEqualTo(run.id());
              assertThat(input.taskVersion()).isEqualTo(1);
              assertThat(input.steps()).hasSize(1);
            });
    assertThat(store.runs().find(org.id(), run.id()).orElseThrow().workflowStarted()).isTrue();
  }

  @Test
  void aRunGetsCopiesOfItsUploadFilesAndARetryOfItsOwnAndNoBytesTravelWithEither() {
    UploadIntake intake = TestApps.uploads(store);
    dev.kestrel.store.UploadFiles files = store.uploadFiles(TestApps.SEALER);
    String fileTask = UUID.randomUUID().toString();
    byte[] own = "own file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    TaskDefinition definition =
        intake.keepTaskFiles(
            org.id(),
            fileTask,
            new TaskDefinition(
                "Upload",
                null,
                Map.of("doc", new InputSpec(InputSpec.FILE, true, null, null)),
                List.of(
                    StepSpec.builder("own", dev.kestrel.model.StepAction.UPLOAD)
                        .selector("#f")
                        .file(
                            new dev.kestrel.model.StepFile(
                                "own.txt",
                                java.util.Base64.getEncoder().encodeToString(own),
                                null,
                                null,
                                null))
                        .build(),
                    StepSpec.builder("doc", dev.kestrel.model.StepAction.UPLOAD)
                        .selector("#f")
                        .file(dev.kestrel.model.StepFile.ofTemplate("{{inputs.doc}}"))
                        .build()),
                60,
                null,
                null));
    store.tasks().insert(new TaskRecord(fileTask, org.id(), definition, "READY", 1, 1L, 1L));
    String ownSha = definition.steps().get(0).file().sha256();
    assertThat(definition.steps().get(0).file().contentBase64()).isNull();

    Run run =
        service
            .queue(
                org,
                fileTask,
                inputs("{\"doc\": {\"name\": \"doc.pdf\", \"contentBase64\": \"ZG9j\"}}"),
                null,
                null)
            .run();
    RunInput started = engine.started.get(0);
    Map<?, ?> kept = (Map<?, ?>) started.inputs().get("doc");
    assertThat(List.<Object>copyOf(kept.keySet()))
        .containsExactlyInAnyOrder("name", "bytes", "sha256");
    assertThat(kept.get("name")).isEqualTo("doc.pdf");
    assertThat(((Number) kept.get("bytes")).longValue()).isEqualTo(3);
    assertThat(run.inputs().get("doc")).isEqualTo(kept);
    String docSha = (String) ((Map<?, ?>) started.inputs().get("doc")).get("sha256");
    assertThat(files.open(run.id(), docSha)).isEqualTo("doc".getBytes());
    assertThat(files.open(run.id(), ownSha)).isEqualTo(own);
    assertThat(store.runs().workflowInput(run.id()).toString()).doesNotContain("ZG9j");

    // The task is deleted and the run fails: its retry still has both files, from the run.
    intake.forgetAll(fileTask);
    store
        .runs()
        .updateState(
            run.id(),
            new RunState(
                RunStatus.FAILED,
                2,
                2,
                1L,
                2L,
                Map.of(),
                new dev.kestrel.model.RunError("step_failed", "no", "doc"),
                1,
                "w"));
    Run retried = service.retry(org, run.id(), 1, null, null, List.of()).run();
    assertThat(files.open(retried.id(), docSha)).isEqualTo("doc".getBytes());
    assertThat(files.open(retried.id(), ownSha)).isEqualTo(own);

    // A file input given again is kept for the retry; another shape is refused.
    Run again =
        service
            .retry(
                org,
                run.id(),
                1,
                inputs("{\"doc\": {\"name\": \"new.pdf\", \"contentBase64\": \"bmV3\"}}"),
                null,
                List.of())
            .run();
    Map<?, ?> doc = (Map<?, ?>) again.inputs().get("doc");
    assertThat(doc.get("name")).isEqualTo("new.pdf");
    assertThat(files.open(again.id(), (String) doc.get("sha256"))).isEqualTo("new".getBytes());
    assertThatThrownBy(
            () ->
                service.retry(
                    org, run.id(), 1, inputs("{\"doc\": {\"name\": \"x\"}}"), null, List.of()))
        .isInstanceOf(InvalidRequest.class);
  }

  @Test
  void theTasksProfileAndProxyGoWithEveryRunOfItWhateverStartsIt() {
    store
        .profileRows()
        .insertWithinLimit(
            new dev.kestrel.store.records.ProfileRecord(
                UUID.randomUUID().toString(), org.id(), "login", 0, 0, 1L, 1L),
            10);
    String proxyId = UUID.randomUUID().toString();
    store
        .proxies()
        .insertWithinLimit(
            new dev.kestrel.store.records.ProxyRecord(
                proxyId, org.id(), "corp", "http://127.0.0.1:3128", null, null, 1L),
            10);
    String id = UUID.randomUUID().toString();
    store
        .tasks()
        .insert(
            new TaskRecord(
                id,
                org.id(),
                new TaskDefinition(
                    "Behind a login",
                    null,
                    Map.of(),
                    List.of(StepSpec.waitFor("w", 1L)),
                    60,
                    null,
                    null,
                    null,
                    new dev.kestrel.model.ProfileSpec("login", null, null),
                    "corp"),
                "READY",
                1,
                1L,
                1L));

    service.queue(org, id, null, null, null);
    service.queueTriggered(org, id, dev.kestrel.model.TriggerType.MANUAL, null);

    assertThat(engine.started)
        .hasSize(2)
        .allSatisfy(
            input -> {
              assertThat(input.profile().name()).isEqualTo("login");
              assertThat(input.proxy()).isEqualTo(new RunInput.ProxyUse(proxyId, "corp"));
            });
  }

  @Test
  void aRepeatedClientRequestIdNamesTheSameRunAndStartsNothingTwice() {
    Run first = service.queue(org, taskId, inputs("{\"url\": \"u\"}"), "order-1", null).run();
    RunService.Queued again =
        service.queue(org, taskId, inputs("{\"url\": \"other\"}"), "order-1", null);

    assertThat(again.replayed()).isTrue();
    assertThat(again.run().id()).isEqualTo(first.id());
    assertThat(engine.started).hasSize(1);
    assertThat(service.queue(org, taskId, inputs("{\"url\": \"u\"}"), "order-2", null).run().id())
        .isNotEqualTo(first.id());
    assertThat(accepted()).as("a repeat is not a run accepted").isEqualTo(2);
  }

  private double accepted() {
    return meters.counter("kestrel.runs.accepted", "trigger", "api").count();
  }

  @Test
  void anEngineThatIsDownLeavesNoRunBehind() {
    engine.down = true;

    assertThatThrownBy(() -> service.queue(org, taskId, inputs("{\"url\": \"u\"}"), "k", null))
        .isInstanceOf(EngineUnavailable.class);
    assertThat(store.runs().page(org.id(), null, null, null, 10)).isEmpty();
    assertThat(accepted()).isZero();

    engine.down = false;
    assertThat(service.queue(org, taskId, inputs("{\"url\": \"u\"}"), "k", null).replayed())
        .isFalse();
  }

  @Test
  void aRunRecordedButNeverStartedIsStartedByTheReconcilerOnce() {
    service.queue(org, taskId, inputs("{\"url\": \"u\"}"), null, null);
    RunInput template = engine.started.get(0);
    // A crash between recording and starting leaves an unstarted row that keeps its workflow input.
    String lostId = UUID.randomUUID().toString();
    RunInput lost =
        new RunInput(
            lostId,
            org.id(),
            taskId,
            "Lookup",
            1,
            null,
            template.triggerType(),
            1L,
            template.inputs(),
            template.steps(),
            60,
            template.settings());
    store.runs().insert(lost, false);

    List<String> started = new ArrayList<>();
    service.startUnstarted(System.currentTimeMillis(), 10, started::add);
    service.startUnstarted(System.currentTimeMillis(), 10, started::add);

    assertThat(started).containsExactly(lostId);
    assertThat(engine.started).extracting(RunInput::runId).endsWith(lostId).hasSize(2);
    assertThat(store.runs().find(org.id(), lostId).orElseThrow().workflowStarted()).isTrue();
  }

  @Test
  void inputsTheTaskDoesNotAcceptAreNamedAndNothingIsRecorded() {
    assertThatThrownBy(
            () ->
                service.queue(
                    org, taskId, inputs("{\"count\": \"many\", \"extra\": 1}"), null, null))
        .isInstanceOfSatisfying(
            InvalidRequest.class,
            e ->
                assertThat(e.detail().toString())
                    .contains(
                        "[body, inputs, count]", "[body, inputs, extra]", "[body, inputs, url]"));
    assertThat(engine.started).isEmpty();
    assertThat(store.runs().page(org.id(), null, null, null, 10)).isEmpty();
  }

  @Test
  void draftsUnknownTasksAndOtherOrganizationsTasksAreRefused() {
    String draft = saveTask(org, "DRAFT");
    Organization other = store.organizations().create("globex", null, null);

    assertThatThrownBy(() -> service.queue(org, draft, null, null, null))
        .isInstanceOfSatisfying(
            InvalidRequest.class, e -> assertThat(e.detail()).isEqualTo("task_not_ready"));
    assertThatThrownBy(() -> service.queue(other, taskId, inputs("{\"url\": \"u\"}"), null, null))
        .isInstanceOfSatisfying(
            NotFound.class, e -> assertThat(e.code()).isEqualTo("task_not_found"));
    assertThatThrownBy(() -> service.get(other, UUID.randomUUID().toString()))
        .isInstanceOfSatisfying(
            NotFound.class, e -> assertThat(e.code()).isEqualTo("run_not_found"));
  }

  @Test
  void anOrganizationOverItsMonthlyLimitGetsNoRun() {
    Organization limited = store.organizations().create("limited", 1, null);
    String task = saveTask(limited, "READY");
    service.queue(limited, task, inputs("{\"url\": \"u\"}"), null, null);

    assertThatThrownBy(() -> service.queue(limited, task, inputs("{\"url\": \"u\"}"), null, null))
        .isInstanceOfSatisfying(
            UsageLimitExceeded.class,
            e -> {
              assertThat(e.limit()).isEqualTo(1);
              assertThat(e.used()).isEqualTo(1);
              assertThat(e.periodStart()).endsWith("-01T00:00:00.000Z");
            });
    assertThat(engine.started).hasSize(1);
  }

  @Test
  void aReadIsAnsweredFromTheRecordedRowAloneAlsoWithTheEngineDown() {
    Run run = service.queue(org, taskId, inputs("{\"url\": \"u\"}"), null, null).run();
    store
        .runRecorder()
        .recordState(
            run.id(),
            new RunState(RunStatus.RUNNING, 1, 1, 2_000L, null, Map.of("a", 1), null, 1, "w"));
    engine.down = true;

    Run read = service.get(org, run.id());
    assertThat(read.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(read.progress().currentStep()).isEqualTo(1);
    assertThat(read.outputs()).containsEntry("a", 1);
  }

  @Test
  void cancellingAsksTheEngineOnceAndKeepsTheFirstReason() {
    Run run = service.queue(org, taskId, inputs("{\"url\": \"u\"}"), null, null).run();

    service.cancel(org, run.id(), "no longer needed");
    service.cancel(org, run.id(), "second thoughts");

    assertThat(engine.cancelled).containsExactly(run.id(), run.id());
    assertThat(store.runs().find(org.id(), run.id()).orElseThrow().cancelReason())
        .isEqualTo("no longer needed");
  }
}
