package dev.kestrel.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.server.support.FakeRunEngine;
import dev.kestrel.store.Store;
import dev.kestrel.store.TestStore;
import dev.kestrel.store.records.Organization;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The start-up sweep: unfinished runs the engine does not know are started again, once, and say so.
 */
class RunRecoveryTest {
  Store store;
  FakeRunEngine engine;
  RunRecovery recovery;
  Organization org;

  @BeforeEach
  void setUp() {
    store = TestStore.h2().open();
    engine = new FakeRunEngine();
    recovery = new RunRecovery(store.runs(), store.logs(), engine);
    org = store.organizations().create("acme", null, null);
  }

  private RunInput started(RunStatus status) {
    StepSpec step = StepSpec.waitFor("w", 1L);
    RunInput input =
        new RunInput(
            UUID.randomUUID().toString(),
            org.id(),
            UUID.randomUUID().toString(),
            "t",
            1,
            null,
            TriggerType.API,
            1L,
            Map.of(),
            List.of(step),
            60,
            RunInput.ExecutionSettings.defaults());
    store.runs().insert(input, false);
    store.runs().markStarted(input.runId());
    if (status != RunStatus.PENDING) {
      store
          .runs()
          .updateState(
              input.runId(),
              new RunState(
                  status, 1, 1, 2L, status.isTerminal() ? 3L : null, Map.of(), null, 1, "w"));
    }
    return input;
  }

  private List<String> log(String runId) {
    return store.logs().list(runId, null).stream().map(LogEntry::message).toList();
  }

  @Test
  void unfinishedRunsTheEngineLostAreStartedAgainFromTheirInputAndSaySo() {
    RunInput pending = started(RunStatus.PENDING);
    RunInput running = started(RunStatus.RUNNING);
    RunInput completed = started(RunStatus.COMPLETED);
    RunInput known = started(RunStatus.RUNNING);
    engine.started.add(known);

    assertThat(recovery.recover()).isEqualTo(2);

    assertThat(engine.started)
        .extracting(RunInput::runId)
        .containsExactly(known.runId(), pending.runId(), running.runId());
    assertThat(engine.started.get(2)).isEqualTo(running);
    assertThat(log(running.runId()))
        .singleElement()
        .asString()
        .contains("no longer knows this run", "again from step 1");
    assertThat(log(completed.runId())).isEmpty();
    assertThat(log(known.runId())).isEmpty();
    assertThat(recovery.recover()).as("now the engine knows them").isZero();
  }

  @Test
  void aLostRunWithoutItsInputFailsWithTheReasonInsteadOfWaitingForever() {
    RunInput running = started(RunStatus.RUNNING);
    // A row from before inputs were kept: the input is gone.
    store
        .jdbi()
        .useHandle(
            h -> h.execute("UPDATE runs SET workflow_input = NULL WHERE id = ?", running.runId()));

    assertThat(recovery.recover()).isZero();

    var row = store.runs().find(org.id(), running.runId()).orElseThrow();
    assertThat(row.status()).isEqualTo(RunStatus.FAILED);
    assertThat(row.error().code()).isEqualTo(RunError.ENGINE_LOST);
    assertThat(log(running.runId())).singleElement().asString().contains("cannot run again");
  }

  @Test
  void anEngineThatDoesNotAnswerLeavesTheSweepForLater() {
    started(RunStatus.RUNNING);
    engine.down = true;

    assertThatThrownBy(recovery::recover).isInstanceOf(EngineUnavailable.class);
    engine.down = false;
    assertThat(recovery.recover()).isEqualTo(1);
  }
}
