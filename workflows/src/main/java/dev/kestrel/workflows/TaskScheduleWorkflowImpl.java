package dev.kestrel.workflows;

import io.temporal.activity.LocalActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

public class TaskScheduleWorkflowImpl implements TaskScheduleWorkflow {
  private final ScheduledRunActivities admission =
      Workflow.newLocalActivityStub(
          ScheduledRunActivities.class,
          LocalActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(15))
              .setScheduleToCloseTimeout(Duration.ofMinutes(10))
              .setRetryOptions(RetryOptions.newBuilder().setMaximumInterval(Duration.ofSeconds(10)).build())
              .build());

  @Override
  public void fire(ScheduledTask task) {
    RunInput input = admission.admitScheduledRun(task.organizationId(), task.taskId(), Workflow.getInfo().getWorkflowId());
    if (input == null) {
      return;
    }
    RunWorkflow run =
        Workflow.newChildWorkflowStub(
            RunWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(RunWorkflow.workflowId(input.runId()))
                .setTaskQueue(TaskQueues.RUNS)
                .setTypedSearchAttributes(RunSearchAttributes.initial(input))
                .setStaticSummary("Scheduled run " + input.runId() + " of task \"" + input.taskName() + "\"")
                .setPriority(RunWorkflow.fairShare(input))
                // The run is the user's, not the schedule's: deleting the schedule leaves it running.
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .build());
    try {
      run.run(input);
    } catch (ChildWorkflowFailure ended) {
      // Failed, cancelled or timed out: the run's own record says how; the firing is done either way.
    }
  }
}
