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
    Retry retry,
    Continued continued,
    /** The profile the run starts from, or null (SPEC 12). */
    ProfileUse profile,
    /** The upstream proxy its browser's traffic goes through, or null (SPEC 12). */
    ProxyUse proxy) {

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
        null,
        null,
        null,
        null);
  }

  /** A run that is not a continuation of an execution of its workflow. */
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
      ExecutionSettings settings,
      Retry retry) {
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
        retry,
        null,
        null,
        null);
  }

  /** The same run with {@code inputs} instead (its file inputs as kept, SPEC 11). */
  public RunInput withInputs(Map<String, Object> inputs) {
    return new RunInput(
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
        retry,
        continued,
        profile,
        proxy);
  }

  /**
   * The upstream proxy a run names (SPEC 12): the worker looks up its address and opens its
   * password when the browser opens; neither travels with the run.
   */
  public record ProxyUse(String proxyId, String name) {}

  /**
   * A profile a run starts from (SPEC 12): its version current when the run was accepted, so that
   * concurrent runs each read the version they started from; {@code spec} says when the run saves
   * and how the login is checked.
   */
  public record ProfileUse(String profileId, int version, dev.kestrel.model.ProfileSpec spec) {
    public String name() {
      return spec.name();
    }
  }

  /**
   * A once-step that completed: its id, its top-level step's number, and how messages name it
   * ({@code 2 (pay, click #pay)}).
   */
  public record OnceDone(String stepId, int number, String named) {}

  /**
   * Where the execution this one continues as new stopped (SPEC 11: a long run's history is cut
   * before Temporal's limit): its open session, its place in the steps, its checkpoint and the
   * position it was kept at, its outputs and answers, and what it counted. Null for a run's first
   * execution.
   */
  public record Continued(
      BrowserActivities.SessionRef session,
      int sessionAttempt,
      StepPosition position,
      BrowserActivities.Checkpoint checkpoint,
      StepPosition checkpointAt,
      Map<String, Object> outputs,
      Long startedAtMillis,
      long runTimeLeftMillis,
      long executions,
      java.util.SortedMap<Long, OnceDone> completedOnce,
      Map<String, Map<String, Object>> answers,
      int resumesAfterWait,
      int waitsBegun,
      boolean fellBack,
      boolean resumedAfterLoss) {}

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
      int holdForInputSeconds,
      /** The most steps one run executes, loops included; 0 (older runs): the default. */
      int maxStepExecutions,
      /**
       * How many history events an execution may reach before it continues as new; 0 (older runs):
       * the default.
       */
      int continueAsNewAfterEvents) {
    public static final int DEFAULT_HOLD_FOR_INPUT_SECONDS = 300;

    /** SPEC 11: a run may execute 10,000 steps in all. */
    public static final int DEFAULT_MAX_STEP_EXECUTIONS = 10_000;

    /**
     * Temporal warns at 10,240 events and stops a workflow at 51,200; a step takes about six, so an
     * execution runs some 1,300 steps before it continues as new.
     */
    public static final int DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 8_000;

    public ExecutionSettings(
        int heartbeatTimeoutSeconds,
        int stepScheduleToStartSeconds,
        int maxSessionAttempts,
        long defaultStepTimeoutMs,
        long maxOutputBytes,
        long maxRunOutputBytes,
        TraceMode trace,
        ResumeMode resume,
        int holdForInputSeconds) {
      this(
          heartbeatTimeoutSeconds,
          stepScheduleToStartSeconds,
          maxSessionAttempts,
          defaultStepTimeoutMs,
          maxOutputBytes,
          maxRunOutputBytes,
          trace,
          resume,
          holdForInputSeconds,
          DEFAULT_MAX_STEP_EXECUTIONS,
          DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS);
    }

    public int stepExecutionLimit() {
      return maxStepExecutions > 0 ? maxStepExecutions : DEFAULT_MAX_STEP_EXECUTIONS;
    }

    public int continueAsNewEvents() {
      return continueAsNewAfterEvents > 0
          ? continueAsNewAfterEvents
          : DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS;
    }

    /** The same, with at most {@code maxSteps} step executions per run. */
    public ExecutionSettings withStepExecutionLimit(int maxSteps) {
      return new ExecutionSettings(
          heartbeatTimeoutSeconds,
          stepScheduleToStartSeconds,
          maxSessionAttempts,
          defaultStepTimeoutMs,
          maxOutputBytes,
          maxRunOutputBytes,
          trace,
          resume,
          holdForInputSeconds,
          maxSteps,
          continueAsNewAfterEvents);
    }

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
          holdForInputSeconds,
          maxStepExecutions,
          continueAsNewAfterEvents);
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
          holdForInputSeconds,
          maxStepExecutions,
          continueAsNewAfterEvents);
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
          holdForInputSeconds,
          maxStepExecutions,
          continueAsNewAfterEvents);
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
