package dev.kestrel.server.core;

import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.TriggerType;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.db.TaskDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.ScheduledRunActivities;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schedule's firing becomes a run exactly as a request to the API would: the task as it is now,
 * its inputs checked, the organization's limits applied. A firing that makes no run says why in
 * this process's log and in a counter ({@code kestrel.schedules.firings.<outcome>} on the admin
 * port's metrics); a schedule whose task no longer takes its inputs is paused with a note saying
 * so, and the schedule of a task that is gone is deleted. Never silent.
 */
public final class ScheduledRunAdmission implements ScheduledRunActivities {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduledRunAdmission.class);

  private final OrganizationDao organizations;
  private final TaskDao tasks;
  private final RunService runs;
  private final TaskSchedules schedules;
  private final MeterRegistry meters;

  public ScheduledRunAdmission(
      OrganizationDao organizations,
      TaskDao tasks,
      RunService runs,
      TaskSchedules schedules,
      MeterRegistry meters) {
    this.organizations = organizations;
    this.tasks = tasks;
    this.runs = runs;
    this.schedules = schedules;
    this.meters = meters;
  }

  @Override
  public RunInput admitScheduledRun(String organizationId, String taskId, String firingId) {
    Optional<Organization> org = organizations.findById(organizationId);
    Optional<TaskRecord> task =
        org.isEmpty() ? Optional.empty() : tasks.find(organizationId, taskId);
    ScheduleSpec schedule = task.map(t -> t.definition().schedule()).orElse(null);
    if (schedule == null) {
      LOG.warn(
          "Schedule of task {} fired, but the task is gone or has no schedule any more: deleting the schedule",
          taskId);
      count("orphaned");
      schedules.delete(taskId);
      return null;
    }
    try {
      RunInput input =
          runs.admitTriggered(
              org.get(),
              taskId,
              Ids.runIdForFiring(firingId),
              TriggerType.SCHEDULE,
              schedule.inputs());
      count("queued");
      return input;
    } catch (UsageLimitExceeded e) {
      LOG.warn(
          "Schedule of task {} fired ({}), but organization {} has used {} of its {} runs this month: no run",
          taskId,
          firingId,
          organizationId,
          e.used(),
          e.limit());
      count("monthly_limit");
    } catch (TooManyRequests e) {
      LOG.warn(
          "Schedule of task {} fired ({}), but organization {} has too many active runs: no run",
          taskId,
          firingId,
          organizationId);
      count("too_many_active_runs");
    } catch (InvalidRequest e) {
      String note =
          "task_not_ready".equals(e.detail())
              ? "paused by Kestrel: the task is not READY"
              : "paused by Kestrel: the task no longer accepts the schedule's inputs: "
                  + e.detail();
      LOG.warn("Schedule of task {} fired ({}), but {}", taskId, firingId, note);
      count("inputs");
      schedules.pause(taskId, note.length() > 500 ? note.substring(0, 499) + "…" : note);
    } catch (NotFound e) {
      count("orphaned");
      schedules.delete(taskId);
    }
    return null;
  }

  /** {@code kestrel_schedule_firings_total{outcome}}: queued, or why no run came of it. */
  private void count(String outcome) {
    Counter.builder("kestrel.schedule.firings")
        .description("Schedule firings, by what came of them")
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }
}
