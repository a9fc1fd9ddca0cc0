package dev.kestrel.store.records;

import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.WaitingFor;
import dev.kestrel.workflows.RunInput;
import java.util.Map;

/** A run as the run index holds it. */
public record RunRecord(
    long seq,
    String id,
    String organizationId,
    String taskId,
    int taskVersion,
    String clientRequestId,
    TriggerType triggerType,
    RunStatus status,
    Map<String, Object> inputs,
    Map<String, Object> outputs,
    int currentStep,
    int stepsTotal,
    RunError error,
    String cancelReason,
    String workerId,
    boolean workflowStarted,
    long createdAt,
    Long startedAt,
    Long finishedAt,
    String retryOf,
    Integer startedAtStep,
    WaitingFor waitingFor) {

  /** The run as it was accepted (PENDING), before anything else may have changed its row. */
  public static RunRecord accepted(RunInput in) {
    return new RunRecord(
        0,
        in.runId(),
        in.organizationId(),
        in.taskId(),
        in.taskVersion(),
        in.clientRequestId(),
        in.triggerType(),
        RunStatus.PENDING,
        in.inputs(),
        Map.of(),
        0,
        in.steps().size(),
        null,
        null,
        null,
        true,
        in.createdAtMillis(),
        null,
        null,
        in.retry() == null ? null : in.retry().of(),
        in.retry() == null ? null : in.retry().fromStep(),
        null);
  }
}
