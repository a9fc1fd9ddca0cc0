package dev.kestrel.workflows;

import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;

public class TaskScheduleWorkflowImpl implements TaskScheduleWorkflow {
  private final ScheduledRunActivities admission =
      Workflow.newLocalActivityStub(
          ScheduledRunActivities.class,
          LocalActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(15))
              .setScheduleToCloseTimeout(Duration.ofMinutes(10))
              .setRetryOptions(
                  RetryOptions.newBuilder().setMaximumInterval(Duration.ofSeconds(10)).build())
              .build());

  @Override
  public void fire(ScheduledTask task) {
    RunInput input =
        admission.admitScheduledRun(
            task.organizationId(), task.taskId(), Workflow.getInfo().getWorkflowId());
    if (input == null) {
      return;
    }
    RunWorkflow run =
        Workflow.newChildWorkflowStub(RunWorkflow.class, RunWorkflow.childOptions(input));
    try {
      run.run(input);
    } catch (ChildWorkflowFailure ended) {
      // Failed, cancelled, timed out, or started before (by this firing or by recovery): the run's
      // own record says how; the firing is done either way.
    }
  }
}
