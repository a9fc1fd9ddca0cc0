package dev.kestrel.server.core;

import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.store.records.TaskRecord;

/**
 * A task's schedule on the engine (one Temporal Schedule per task). The store holds the task; the
 * engine follows it: every save of a task makes its schedule match, and each firing reads the task
 * as it is then, so a save that reached only one of them is put right by the next save or firing.
 */
public interface TaskSchedules {

  /**
   * Creates, updates or deletes the task's schedule so that it matches the task as saved: none
   * without a schedule, paused while it says so or the task is a DRAFT.
   *
   * @throws Conflict when this engine has no schedules and the task asks for one
   */
  void sync(TaskRecord task);

  /** Deletes the task's schedule, if it has one. */
  void delete(String taskId);

  /** The task's schedule with its state on the engine (paused, note, next and last firing). */
  ScheduleSpec withState(TaskRecord task);

  /** Fires once now, whatever the overlap policy says (someone asked for this run). */
  void trigger(String taskId);

  void pause(String taskId, String note);

  void unpause(String taskId, String note);

  /** IN_MEMORY: Temporal's test server has no schedules, so a task may not ask for one. */
  TaskSchedules NONE =
      new TaskSchedules() {
        @Override
        public void sync(TaskRecord task) {
          if (task.definition().schedule() != null) {
            throw unavailable();
          }
        }

        private Conflict unavailable() {
          return new Conflict(
              "schedules_unavailable: temporal.mode IN_MEMORY has no Temporal Schedules; "
                  + "run with temporal.mode LOCAL (the default) or EXTERNAL to schedule tasks");
        }

        @Override
        public void delete(String taskId) {}

        @Override
        public ScheduleSpec withState(TaskRecord task) {
          return task.definition().schedule();
        }

        @Override
        public void trigger(String taskId) {
          throw unavailable();
        }

        @Override
        public void pause(String taskId, String note) {
          throw unavailable();
        }

        @Override
        public void unpause(String taskId, String note) {
          throw unavailable();
        }
      };
}
