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
            meters);
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
