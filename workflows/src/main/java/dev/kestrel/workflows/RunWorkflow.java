package dev.kestrel.workflows;

import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.Priority;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One execution of a saved task. Cancelling the workflow cancels the run. */
@WorkflowInterface
public interface RunWorkflow {

  /** Workflow ids contain the run id, so ops find a run in the Temporal UI by its id. */
  static String workflowId(String runId) {
    return "run-" + runId;
  }

  /**
   * How a run's workflow is started, by the API and by anything measured against it: on the runs
   * queue, once per run id, with its search attributes and a summary naming the task.
   */
  static WorkflowOptions startOptions(RunInput input) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId(input.runId()))
        .setTaskQueue(TaskQueues.RUNS)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
        .setTypedSearchAttributes(RunSearchAttributes.initial(input))
        .setStaticSummary(
            "Run "
                + input.runId()
                + " of task \""
                + input.taskName()
                + "\" ("
                + input.steps().size()
                + " steps)")
        .setPriority(fairShare(input))
        .build();
  }

  /**
   * The same for a run a schedule's firing starts as its child: its run's id may not run twice
   * either (a firing retried after its run ended must not start it again), and the run is the
   * user's, not the firing's, so it outlives a firing that is terminated.
   */
  static ChildWorkflowOptions childOptions(RunInput input) {
    return ChildWorkflowOptions.newBuilder()
        .setWorkflowId(workflowId(input.runId()))
        .setTaskQueue(TaskQueues.RUNS)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
        .setTypedSearchAttributes(RunSearchAttributes.initial(input))
        .setStaticSummary(
            "Scheduled run "
                + input.runId()
                + " of task \""
                + input.taskName()
                + "\" ("
                + input.steps().size()
                + " steps)")
        .setPriority(fairShare(input))
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
        .build();
  }

  /**
   * The organization is the run's fairness key: a server with task-queue fairness enabled hands out
   * the tasks of a busy queue in turn between organizations, so one organization's backlog does not
   * stand in front of another's run.
   */
  static Priority fairShare(RunInput input) {
    return Priority.newBuilder().setFairnessKey(input.organizationId()).build();
  }

  @WorkflowMethod
  RunState run(RunInput input);

  @QueryMethod
  RunState state();
}
