package dev.kestrel.workflows;

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

  @WorkflowMethod
  RunState run(RunInput input);

  @QueryMethod
  RunState state();
}
