package dev.kestrel.workflows;

import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.WaitingFor;
import java.util.Map;

/**
 * The live state of a run as its workflow knows it; returned by the {@code state} query and written
 * to the run index at each transition. Small by design: outputs are values or references to
 * artifacts, never the artifacts themselves. {@code waitingFor}: what an input step waits for, or
 * null.
 */
public record RunState(
    RunStatus status,
    int currentStep,
    int stepsTotal,
    Long startedAtMillis,
    Long finishedAtMillis,
    Map<String, Object> outputs,
    RunError error,
    int sessionAttempt,
    String workerId,
    WaitingFor waitingFor) {

  /** A state that waits for nothing. */
  public RunState(
      RunStatus status,
      int currentStep,
      int stepsTotal,
      Long startedAtMillis,
      Long finishedAtMillis,
      Map<String, Object> outputs,
      RunError error,
      int sessionAttempt,
      String workerId) {
    this(
        status,
        currentStep,
        stepsTotal,
        startedAtMillis,
        finishedAtMillis,
        outputs,
        error,
        sessionAttempt,
        workerId,
        null);
  }
}
