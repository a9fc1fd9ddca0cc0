package dev.kestrel.workflows;

import dev.kestrel.model.ResumeMode;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TraceMode;
import dev.kestrel.model.TriggerType;
import java.util.List;
import java.util.Map;

/**
 * Everything a run needs, fixed when the run is accepted: the task version it executes travels with
 * it, so that later edits of the task do not change a queued run. It also carries what is needed to
 * re-create the run's row, should the API have crashed between accepting and recording.
 */
public record RunInput(
    String runId,
    String organizationId,
    String taskId,
    String taskName,
    int taskVersion,
    String clientRequestId,
    TriggerType triggerType,
    long createdAtMillis,
    Map<String, Object> inputs,
    List<StepSpec> steps,
    int timeoutSeconds,
    ExecutionSettings settings,
    Retry retry) {

  /** A run that is not a retry. */
  public RunInput(
      String runId,
      String organizationId,
      String taskId,
      String taskName,
      int taskVersion,
      String clientRequestId,
      TriggerType triggerType,
      long createdAtMillis,
      Map<String, Object> inputs,
      List<StepSpec> steps,
      int timeoutSeconds,
      ExecutionSettings settings) {
    this(
        runId,
        organizationId,
        taskId,
        taskName,
        taskVersion,
        clientRequestId,
        triggerType,
        createdAtMillis,
        inputs,
        steps,
        timeoutSeconds,
        settings,
        null);
  }

  /**
   * A retry of run {@code of} from step {@code fromStep}: it starts from {@code checkpoint} (the
   * original's state after the step before, null from step 1) with the outputs the steps before it
   * produced.
   */
  public record Retry(
      String of,
      int fromStep,
      BrowserActivities.Checkpoint checkpoint,
      Map<String, Object> outputs) {}

  /**
   * Timing of the run's activities. Fixed per run (it is workflow input), so changing the
   * configuration never breaks replay of runs in flight.
   */
  /**
   * @param maxOutputBytes the largest single output (its JSON); 0 in inputs from before the cap
   *     existed, read as {@link #DEFAULT_MAX_OUTPUT_BYTES}
   * @param maxRunOutputBytes the largest total of a run's outputs; 0 read as the default
   */
  public record ExecutionSettings(
      int heartbeatTimeoutSeconds,
      int stepScheduleToStartSeconds,
      int maxSessionAttempts,
      long defaultStepTimeoutMs,
      long maxOutputBytes,
      long maxRunOutputBytes,
      TraceMode trace,
      /**
       * How a lost session goes on; null (runs from before the field) is from the last checkpoint.
       */
      ResumeMode resume,
      /**
       * How long an input step keeps its browser session while it waits, before the page is kept as
       * a checkpoint and its slot freed; 0 (runs from before input steps) is the default.
       */
      int holdForInputSeconds) {
    public static final int DEFAULT_HOLD_FOR_INPUT_SECONDS = 300;

    public static final long DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;
    public static final long DEFAULT_MAX_RUN_OUTPUT_BYTES = 1024 * 1024;

    public static ExecutionSettings defaults() {
      return new ExecutionSettings(
          4,
          10,
          3,
          30_000,
          DEFAULT_MAX_OUTPUT_BYTES,
          DEFAULT_MAX_RUN_OUTPUT_BYTES,
          TraceMode.OFF,
          ResumeMode.CHECKPOINT,
          DEFAULT_HOLD_FOR_INPUT_SECONDS);
    }

    public java.time.Duration holdForInput() {
      return java.time.Duration.ofSeconds(
          holdForInputSeconds > 0 ? holdForInputSeconds : DEFAULT_HOLD_FOR_INPUT_SECONDS);
    }

    public long outputCap() {
      return maxOutputBytes > 0 ? maxOutputBytes : DEFAULT_MAX_OUTPUT_BYTES;
    }

    public long runOutputCap() {
      return maxRunOutputBytes > 0 ? maxRunOutputBytes : DEFAULT_MAX_RUN_OUTPUT_BYTES;
    }

    public ExecutionSettings withOutputCaps(long perOutput, long perRun) {
      return new ExecutionSettings(
          heartbeatTimeoutSeconds,
          stepScheduleToStartSeconds,
          maxSessionAttempts,
          defaultStepTimeoutMs,
          perOutput,
          perRun,
          trace,
          resume,
          holdForInputSeconds);
    }

    public ExecutionSettings withTrace(TraceMode mode) {
      return new ExecutionSettings(
          heartbeatTimeoutSeconds,
          stepScheduleToStartSeconds,
          maxSessionAttempts,
          defaultStepTimeoutMs,
          maxOutputBytes,
          maxRunOutputBytes,
          mode,
          resume,
          holdForInputSeconds);
    }

    public ExecutionSettings withResume(ResumeMode mode) {
      return new ExecutionSettings(
          heartbeatTimeoutSeconds,
          stepScheduleToStartSeconds,
          maxSessionAttempts,
          defaultStepTimeoutMs,
          maxOutputBytes,
          maxRunOutputBytes,
          trace,
          mode == null ? ResumeMode.CHECKPOINT : mode,
          holdForInputSeconds);
    }

    /** Whether a lost session starts over at step 1 instead of resuming from a checkpoint. */
    public boolean restartsOnLoss() {
      return resume == ResumeMode.RESTART;
    }

    /** Null in inputs from before traces existed: off. */
    public TraceMode traceMode() {
      return trace == null ? TraceMode.OFF : trace;
    }
  }
}
