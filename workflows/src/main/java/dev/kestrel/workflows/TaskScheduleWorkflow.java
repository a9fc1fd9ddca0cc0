package dev.kestrel.workflows;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One firing of a task's Temporal Schedule: queues the run as the API would (the task as it is now,
 * the organization's limits) and carries it as a child to its end, so that the schedule's overlap
 * policy sees the run itself: with "skip", a firing while the previous run still goes makes no run.
 */
@WorkflowInterface
public interface TaskScheduleWorkflow {

  /**
   * The schedule of a task is named after it, so ops find it in the Temporal UI's Schedules page.
   */
  static String scheduleId(String taskId) {
    return "task-" + taskId;
  }

  /** The id each firing's workflow starts with; Temporal appends the firing's scheduled time. */
  static String firingIdPrefix(String taskId) {
    return "firing-" + taskId;
  }

  @WorkflowMethod
  void fire(ScheduledTask task);

  record ScheduledTask(String organizationId, String taskId) {}
}
