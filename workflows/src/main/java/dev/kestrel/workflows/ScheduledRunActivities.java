package dev.kestrel.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** What a schedule's firing needs of the store and the API's rules, run as a local activity. */
@ActivityInterface
public interface ScheduledRunActivities {

  /**
   * Records the run of this firing (its id derived from {@code firingId}, so a retried firing names
   * the same run) under the organization's limits, with the schedule's inputs resolved against the
   * task as it is now. Null when no run is due: the limits refused it, the task no longer accepts
   * the schedule's inputs (its schedule is paused, with a note), or the task is gone (its schedule
   * is deleted). Each refusal is logged and counted.
   */
  @ActivityMethod
  RunInput admitScheduledRun(String organizationId, String taskId, String firingId);
}
