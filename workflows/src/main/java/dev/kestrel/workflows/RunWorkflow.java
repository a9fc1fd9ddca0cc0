package dev.kestrel.workflows;

import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.Priority;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
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

  /**
   * A person's answer to the input step the run waits for (SPEC 10). Answered once the run's row no
   * longer shows the wait; the same answer again is answered at once and changes nothing.
   */
  @UpdateMethod
  void submitInput(InputAnswer answer);

  /**
   * Refuses what {@link #submitInput} cannot take, before it reaches the history: a run that does
   * not wait ({@link #NOT_WAITING}), or values that do not fit the fields ({@link #INPUT_INVALID},
   * naming the first field that does not).
   */
  @UpdateValidatorMethod(updateName = "submitInput")
  void validateInput(InputAnswer answer);

  /** Failure type of a refused answer: the run waits for no input (or for another wait). */
  String NOT_WAITING = "NotWaiting";

  /** Failure type of a refused answer: its values do not fit; the message names the field. */
  String INPUT_INVALID = "InputInvalid";

  /**
   * The failure a validator refuses an answer with. Its message starts with its type too: SDK 1.38
   * passes a validator's failure on with its type and details replaced (temporalio/sdk-java#2875,
   * fixed by #3001), so the message is what reaches the API for sure.
   */
  static io.temporal.failure.ApplicationFailure refusal(String type, String message) {
    return io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
        type + ": " + message, type);
  }

  /**
   * What a refused answer's failure says: its type ({@link #NOT_WAITING}, {@link #INPUT_INVALID})
   * and message, read from either place; null when it is no refusal.
   */
  static java.util.Map.Entry<String, String> refusalOf(io.temporal.failure.ApplicationFailure f) {
    String message = f.getOriginalMessage() == null ? "" : f.getOriginalMessage();
    for (String type : java.util.List.of(NOT_WAITING, INPUT_INVALID)) {
      if (message.startsWith(type + ": ")) {
        return java.util.Map.entry(type, message.substring(type.length() + 2));
      }
      if (type.equals(f.getType())) {
        return java.util.Map.entry(type, message);
      }
    }
    return null;
  }
}
