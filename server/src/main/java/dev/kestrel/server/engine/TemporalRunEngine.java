package dev.kestrel.server.engine;

import dev.kestrel.server.core.EngineUnavailable;
import dev.kestrel.server.core.RunEngine;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunWorkflow;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;

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
