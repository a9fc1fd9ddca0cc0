package dev.kestrel.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.workflows.RunSearchAttributes;
import dev.kestrel.workflows.TaskQueues;
import dev.kestrel.workflows.TaskScheduleWorkflow;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a task's schedule becomes a Temporal Schedule: spec, time zone, overlap, catch-up, pause. */
class TemporalTaskSchedulesTest {

  static TaskRecord task(String status, ScheduleSpec schedule) {
    StepSpec step = StepSpec.waitFor("w", 1L);
    return new TaskRecord(
        "t-1",
        "org-1",
        new TaskDefinition("Nightly export", null, Map.of(), List.of(step), 60, schedule, null),
        status,
        3,
        1L,
        1L);
  }

  static ScheduleSpec spec(String overlap, int catchup, boolean paused, String note) {
    return ScheduleSpec.saved(
        "30 2 * * *", "Europe/Berlin", Map.of("region", "eu"), overlap, catchup, paused, note);
  }

  @Test
  void theCronIsReadInTheTasksTimeZoneWithItsOverlapAndCatchUp() {
    Schedule s =
        TemporalTaskSchedules.schedule(
            task("READY", spec(ScheduleSpec.BUFFER_ONE, 120, false, null)));

    assertThat(s.getSpec().getCronExpressions()).containsExactly("30 2 * * *");
    assertThat(s.getSpec().getTimeZoneName()).isEqualTo("Europe/Berlin");
    assertThat(s.getPolicy().getOverlap())
        .isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE);
    assertThat(s.getPolicy().getCatchupWindow()).isEqualTo(Duration.ofSeconds(120));
    assertThat(s.getState().isPaused()).isFalse();
  }

  @Test
  void everyOverlapValueHasItsPolicyAndSkipIsTheDefault() {
    assertThat(TemporalTaskSchedules.overlap(ScheduleSpec.SKIP))
        .isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
    assertThat(TemporalTaskSchedules.overlap(ScheduleSpec.BUFFER_ONE))
        .isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE);
    assertThat(TemporalTaskSchedules.overlap(ScheduleSpec.ALLOW_ALL))
        .isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL);
    assertThat(TemporalTaskSchedules.overlap(null))
        .isEqualTo(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
  }

  @Test
  void aDraftTasksScheduleIsPausedAndSaysWhyAPausedOneKeepsItsNote() {
    Schedule draft =
        TemporalTaskSchedules.schedule(task("DRAFT", spec(ScheduleSpec.SKIP, 300, false, null)));
    assertThat(draft.getState().isPaused()).isTrue();
    assertThat(draft.getState().getNote()).isEqualTo(TemporalTaskSchedules.DRAFT_NOTE);

    Schedule paused =
        TemporalTaskSchedules.schedule(
            task("READY", spec(ScheduleSpec.SKIP, 300, true, "holiday freeze")));
    assertThat(paused.getState().isPaused()).isTrue();
    assertThat(paused.getState().getNote()).isEqualTo("holiday freeze");
  }

  @Test
  void eachFiringStartsTheFiringWorkflowOnTheRunsQueueNamedAfterTheTask() {
    ScheduleActionStartWorkflow action =
        (ScheduleActionStartWorkflow)
            TemporalTaskSchedules.schedule(task("READY", spec(ScheduleSpec.SKIP, 300, false, null)))
                .getAction();

    assertThat(action.getWorkflowType()).isEqualTo("TaskScheduleWorkflow");
    assertThat(action.getOptions().getWorkflowId())
        .isEqualTo(TaskScheduleWorkflow.firingIdPrefix("t-1"));
    assertThat(action.getOptions().getTaskQueue()).isEqualTo(TaskQueues.RUNS);
    assertThat(action.getOptions().getTypedSearchAttributes().get(RunSearchAttributes.TRIGGER))
        .isEqualTo("schedule");
    assertThat(action.getOptions().getTypedSearchAttributes().get(RunSearchAttributes.TASK))
        .isEqualTo("t-1");
    assertThat(TaskScheduleWorkflow.scheduleId("t-1")).isEqualTo("task-t-1");
  }
}
