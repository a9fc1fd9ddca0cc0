package dev.kestrel.workflows;

import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import java.util.Map;

/**
 * The live state of a run as its workflow knows it; returned by the {@code state} query and written
 * to the run index at each transition. Small by design: outputs are values or references to
 * artifacts, never the artifacts themselves.
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
    String workerId) {}
