package dev.kestrel.server.engine;

import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.Timestamps;
import dev.kestrel.model.api.Task;
import dev.kestrel.server.core.EngineUnavailable;
import dev.kestrel.server.core.TaskSchedules;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.workflows.RunSearchAttributes;
import dev.kestrel.workflows.TaskQueues;
import dev.kestrel.workflows.TaskScheduleWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Each task's schedule as a Temporal Schedule named {@code task-<taskId>}. */
public final class TemporalTaskSchedules implements TaskSchedules {
  static final String DRAFT_NOTE = "paused: the task is a DRAFT";

  private final ScheduleClient client;

  public TemporalTaskSchedules(ScheduleClient client) {
    this.client = client;
  }

  @Override
  public void sync(TaskRecord task) {
    if (task.definition().schedule() == null) {
      delete(task.id());
      return;
    }
    Schedule schedule = schedule(task);
    String id = TaskScheduleWorkflow.scheduleId(task.id());
    engine(
        () -> {
          try {
            client.createSchedule(
                id,
                schedule,
                ScheduleOptions.newBuilder()
                    .setMemo(Map.of("task", task.definition().name(), "taskId", task.id()))
                    .build());
          } catch (ScheduleAlreadyRunningException exists) {
            client
                .getHandle(id)
                .update(current -> new io.temporal.client.schedules.ScheduleUpdate(schedule));
          }
          return null;
        });
  }

  /**
   * The Temporal Schedule of a task as saved: its cron read in its time zone (Temporal's calendar
   * rules, DST included), overlap and catch-up as asked, paused while it says so or the task is a
   * DRAFT; each firing starts a {@link TaskScheduleWorkflow} that queues the run.
   */
  static Schedule schedule(TaskRecord task) {
    ScheduleSpec spec = task.definition().schedule();
    boolean draft = Task.DRAFT.equals(task.status());
    String note = draft && !spec.isPaused() ? DRAFT_NOTE : spec.note();
    return Schedule.newBuilder()
        .setAction(
            ScheduleActionStartWorkflow.newBuilder()
                .setWorkflowType(TaskScheduleWorkflow.class)
                .setArguments(
                    new TaskScheduleWorkflow.ScheduledTask(task.organizationId(), task.id()))
                .setOptions(
                    WorkflowOptions.newBuilder()
                        .setWorkflowId(TaskScheduleWorkflow.firingIdPrefix(task.id()))
                        .setTaskQueue(TaskQueues.RUNS)
                        .setTypedSearchAttributes(
                            RunSearchAttributes.firing(
                                task.organizationId(), task.id(), task.definition().name()))
                        // No static summary: the SDK (1.38) cannot read a schedule back whose
                        // action has
                        // one (describe fails parsing its empty details); the schedule's memo names
                        // the task.
                        .build())
                .build())
        .setSpec(
            io.temporal.client.schedules.ScheduleSpec.newBuilder()
                .setCronExpressions(List.of(spec.cron()))
                .setTimeZoneName(spec.timezone())
                .build())
        .setPolicy(
            SchedulePolicy.newBuilder()
                .setOverlap(overlap(spec.overlap()))
                .setCatchupWindow(Duration.ofSeconds(catchupSeconds(spec)))
                .build())
        .setState(
            ScheduleState.newBuilder()
                .setPaused(spec.isPaused() || draft)
                .setNote(note == null ? "" : note)
                .build())
        .build();
  }

  static ScheduleOverlapPolicy overlap(String overlap) {
    return switch (overlap == null ? ScheduleSpec.SKIP : overlap) {
      case ScheduleSpec.BUFFER_ONE -> ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE;
      case ScheduleSpec.ALLOW_ALL -> ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL;
      default -> ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP;
    };
  }

  private static int catchupSeconds(ScheduleSpec spec) {
    return spec.catchupWindowSeconds() == null
        ? ScheduleSpec.DEFAULT_CATCHUP_WINDOW_SECONDS
        : spec.catchupWindowSeconds();
  }

  @Override
  public void delete(String taskId) {
    engine(
        () -> {
          try {
            client.getHandle(TaskScheduleWorkflow.scheduleId(taskId)).delete();
          } catch (RuntimeException e) {
            if (!notFound(e)) {
              throw e;
            }
          }
          return null;
        });
  }

  @Override
  public ScheduleSpec withState(TaskRecord task) {
    ScheduleSpec spec = task.definition().schedule();
    if (spec == null) {
      return null;
    }
    try {
      ScheduleDescription d =
          client.getHandle(TaskScheduleWorkflow.scheduleId(task.id())).describe();
      List<Instant> next = d.getInfo().getNextActionTimes();
      List<ScheduleActionResult> recent = d.getInfo().getRecentActions();
      ScheduleState state = d.getSchedule().getState();
      return spec.withState(
          state.isPaused(),
          state.getNote() == null || state.getNote().isEmpty() ? null : state.getNote(),
          next.isEmpty() ? null : Timestamps.iso(next.get(0).toEpochMilli()),
          recent.isEmpty()
              ? null
              : Timestamps.iso(recent.get(recent.size() - 1).getScheduledAt().toEpochMilli()));
    } catch (RuntimeException unreachableOrMissing) {
      // The task as saved is still the answer; only the engine's view of it is missing.
      return spec;
    }
  }

  @Override
  public void trigger(String taskId) {
    handle(taskId, h -> h.trigger(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL));
  }

  @Override
  public void pause(String taskId, String note) {
    handle(taskId, h -> h.pause(note == null ? "paused through the API" : note));
  }

  @Override
  public void unpause(String taskId, String note) {
    handle(taskId, h -> h.unpause(note == null ? "unpaused through the API" : note));
  }

  private void handle(String taskId, java.util.function.Consumer<ScheduleHandle> action) {
    engine(
        () -> {
          action.accept(client.getHandle(TaskScheduleWorkflow.scheduleId(taskId)));
          return null;
        });
  }

  private static <T> T engine(Supplier<T> call) {
    try {
      return call.get();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE
          || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw new EngineUnavailable(e);
      }
      throw e;
    }
  }

  private static boolean notFound(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return true;
      }
    }
    return false;
  }
}
