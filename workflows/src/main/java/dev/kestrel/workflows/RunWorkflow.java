package dev.kestrel.workflows;

import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowOptions;
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
            "Run " + input.runId() + " of task \"" + input.taskName() + "\" (" + input.steps().size() + " steps)")
        .build();
  }

  @WorkflowMethod
  RunState run(RunInput input);

  @QueryMethod
  RunState state();
}
