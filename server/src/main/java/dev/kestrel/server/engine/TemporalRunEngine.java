package dev.kestrel.server.engine;

import dev.kestrel.server.core.EngineUnavailable;
import dev.kestrel.server.core.InputRefused;
import dev.kestrel.server.core.RunEngine;
import dev.kestrel.workflows.InputAnswer;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunWorkflow;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;

/** Runs as Temporal workflows: one {@link RunWorkflow} per run, its id derived from the run id. */
public final class TemporalRunEngine implements RunEngine {
  private final WorkflowClient client;

  public TemporalRunEngine(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public void start(RunInput input) {
    RunWorkflow stub = client.newWorkflowStub(RunWorkflow.class, RunWorkflow.startOptions(input));
    try {
      WorkflowClient.start(stub::run, input);
    } catch (WorkflowExecutionAlreadyStarted alreadyStarted) {
      // A concurrent repeat of the same request started it: the same run.
    } catch (WorkflowServiceException | StatusRuntimeException e) {
      throw new EngineUnavailable(e);
    }
  }

  @Override
  public void cancel(String runId) {
    try {
      client.newUntypedWorkflowStub(RunWorkflow.workflowId(runId)).cancel();
    } catch (WorkflowNotFoundException finishedMeanwhile) {
      // Already closed: the run's row reaches its terminal state on its own.
    } catch (WorkflowServiceException | StatusRuntimeException e) {
      throw new EngineUnavailable(e);
    }
  }

  @Override
  public void submitInput(String runId, InputAnswer answer) {
    RunWorkflow run = client.newWorkflowStub(RunWorkflow.class, RunWorkflow.workflowId(runId));
    try {
      run.submitInput(answer);
    } catch (WorkflowUpdateException e) {
      if (e.getCause() instanceof ApplicationFailure f) {
        Map.Entry<String, String> refusal = RunWorkflow.refusalOf(f);
        if (refusal != null) {
          throw new InputRefused(
              refusal.getKey().equals(RunWorkflow.NOT_WAITING), refusal.getValue());
        }
      }
      // The run ended while the answer was on its way.
      throw new InputRefused(true, "the run waits for no input");
    } catch (WorkflowNotFoundException ended) {
      throw new InputRefused(true, "the run has ended");
    } catch (WorkflowServiceException | StatusRuntimeException e) {
      if (notFound(e)) {
        throw new InputRefused(true, "the run has ended");
      }
      throw new EngineUnavailable(e);
    }
  }

  /** A closed (or unknown) workflow takes no update: the engine answers NOT_FOUND. */
  private static boolean notFound(RuntimeException e) {
    Throwable cause = e instanceof StatusRuntimeException ? e : e.getCause();
    return cause instanceof StatusRuntimeException s
        && s.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND;
  }

  @Override
  public boolean knows(String runId) {
    try {
      client.newUntypedWorkflowStub(RunWorkflow.workflowId(runId)).describe();
      return true;
    } catch (WorkflowNotFoundException notThere) {
      return false;
    } catch (WorkflowServiceException | StatusRuntimeException e) {
      throw new EngineUnavailable(e);
    }
  }
}
