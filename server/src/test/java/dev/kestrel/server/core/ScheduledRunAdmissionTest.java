package dev.kestrel.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.InputSpec;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.TriggerType;
import dev.kestrel.server.support.FakeRunEngine;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.store.Store;
import dev.kestrel.store.TestStore;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.workflows.RunInput;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A schedule's firing on a real store (H2): it becomes a run as an API request would, a retried
 * firing names the same run, and every firing that makes no run says why (a counter, the schedule
 * paused with a note or deleted).
 */
class ScheduledRunAdmissionTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Records what the admission asked of the schedules. */
  static final class RecordingSchedules implements TaskSchedules {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void sync(TaskRecord task) {
      calls.add("sync " + task.id());
    }

    @Override
    public void delete(String taskId) {
      calls.add("delete " + taskId);
    }

    @Override
    public ScheduleSpec withState(TaskRecord task) {
      return task.definition().schedule();
    }

    @Override
    public void trigger(String taskId) {
      calls.add("trigger " + taskId);
    }

    @Override
    public void pause(String taskId, String note) {
      calls.add("pause " + taskId + ": " + note);
    }

    @Override
    public void unpause(String taskId, String note) {
      calls.add("unpause " + taskId);
    }
  }

  Store store;
  RecordingSchedules schedules = new RecordingSchedules();
  MeterRegistry metrics = new SimpleMeterRegistry();
  ScheduledRunAdmission admission;
  Organization org;

  @BeforeEach
  void setUp() {
    store = TestStore.h2().open();
    RunService runs =
        new RunService(
            store.tasks(),
            store.runs(),
            store.logs(),
            store.checkpointRows(),
            new FakeRunEngine(),
            new InputResolver(JSON),
            RunInput.ExecutionSettings.defaults(),
            null,
            500,
            store.artifacts(),
            TestApps.LINKS,
            metrics,
            TestApps.uploads(store),
            store.profileRows(),
            store.proxies());
    admission =
        new ScheduledRunAdmission(store.organizations(), store.tasks(), runs, schedules, metrics);
    org = store.organizations().create("acme", null, null);
  }

  private String saveTask(
      Organization owner, Map<String, InputSpec> inputs, Map<String, Object> scheduleInputs) {
    String id = UUID.randomUUID().toString();
    StepSpec step = StepSpec.waitFor("w", 1L);
    ScheduleSpec schedule =
        ScheduleSpec.saved("* * * * *", "UTC", scheduleInputs, ScheduleSpec.SKIP, 300, false, null);
    store
        .tasks()
        .insert(
            new TaskRecord(
                id,
                owner.id(),
                new TaskDefinition("Nightly", null, inputs, List.of(step), 60, schedule, null),
                "READY",
                1,
                1L,
                1L));
    return id;
  }

  private long count(String outcome) {
    return (long) metrics.counter("kestrel.schedule.firings", "outcome", outcome).count();
  }

  @Test
  void aFiringQueuesTheRunWithTheSchedulesInputsAndARetriedFiringNamesTheSameRun() {
    String task =
        saveTask(
            org,
            Map.of("region", new InputSpec("string", true, null, null)),
            Map.of("region", "eu"));
    String firing = "firing-" + task + "-2026-11-29T07:00:00Z";

    RunInput first = admission.admitScheduledRun(org.id(), task, firing);
    RunInput again = admission.admitScheduledRun(org.id(), task, firing);

    assertThat(first.triggerType()).isEqualTo(TriggerType.SCHEDULE);
    assertThat(first.inputs()).containsEntry("region", "eu");
    assertThat(again.runId()).isEqualTo(first.runId());
    assertThat(first.runId()).isEqualTo(Ids.runIdForFiring(firing));
    assertThat(store.runs().find(org.id(), first.runId()).orElseThrow().status())
        .isEqualTo(RunStatus.PENDING);
    assertThat(store.runs().latestOfTask(org.id(), task, 10)).hasSize(1);
    assertThat(
            admission
                .admitScheduledRun(org.id(), task, "firing-" + task + "-2026-11-29T07:01:00Z")
                .runId())
        .as("the next minute's firing is another run")
        .isNotEqualTo(first.runId());
    assertThat(count("queued")).isEqualTo(3);
  }

  @Test
  void anOrganizationOverItsMonthlyLimitGetsNoRunAndTheCounterSaysWhy() {
    Organization limited = store.organizations().create("limited", 1, null);
    String task = saveTask(limited, Map.of(), null);
    assertThat(admission.admitScheduledRun(limited.id(), task, "firing-a")).isNotNull();

    assertThat(admission.admitScheduledRun(limited.id(), task, "firing-b")).isNull();

    assertThat(count("monthly_limit")).isEqualTo(1);
    assertThat(store.runs().latestOfTask(limited.id(), task, 10)).hasSize(1);
    assertThat(schedules.calls).as("the schedule stays: next month it runs again").isEmpty();
  }

  @Test
  void aTaskThatNoLongerTakesTheSchedulesInputsHasItsSchedulePausedWithANote() {
    String task =
        saveTask(
            org,
            Map.of("region", new InputSpec("number", true, null, null)),
            Map.of("region", "eu"));

    assertThat(admission.admitScheduledRun(org.id(), task, "firing-a")).isNull();

    assertThat(schedules.calls)
        .singleElement()
        .asString()
        .startsWith(
            "pause "
                + task
                + ": paused by Kestrel: the task no longer accepts the schedule's inputs")
        .contains("region");
    assertThat(count("inputs")).isEqualTo(1);
    assertThat(store.runs().latestOfTask(org.id(), task, 10)).isEmpty();
  }

  @Test
  void theScheduleOfATaskThatIsGoneIsDeleted() {
    String task = saveTask(org, Map.of(), null);
    store.tasks().delete(org.id(), task);

    assertThat(admission.admitScheduledRun(org.id(), task, "firing-a")).isNull();

    assertThat(schedules.calls).containsExactly("delete " + task);
    assertThat(count("orphaned")).isEqualTo(1);
  }
}
