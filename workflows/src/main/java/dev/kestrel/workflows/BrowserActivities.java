package dev.kestrel.workflows;

import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TraceMode;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.Map;

/**
 * Browser work. {@code openSession} runs on the shared queue and returns the queue of the worker
 * that now holds the session; the session's steps and its closing go to that queue, because the
 * page lives in that worker's memory.
 */
@ActivityInterface
public interface BrowserActivities {

  /** Failure types the workflow tells apart. */
  String STEP_FAILED = "StepFailed";

  /** A step failed because the egress policy refused where its page had to go. */
  String EGRESS_REFUSED = "EgressRefused";

  /** A {@code goto} reached a document answered with an HTTP error status. */
  String NAVIGATION_FAILED = "NavigationFailed";

  /** A step produced an output over the cap. */
  String OUTPUT_TOO_LARGE = "OutputTooLarge";

  /**
   * A fault of the worker's own; its message holds a reference into the worker's log, nothing
   * internal.
   */
  String INTERNAL_ERROR = "InternalError";

  String SESSION_LOST = "SessionLost";
  String NO_FREE_SLOT = "NoFreeSlot";

  /** The failure types whose messages are written for users; any other is not shown to them. */
  java.util.Set<String> USER_FACING =
      java.util.Set.of(
          STEP_FAILED,
          SESSION_LOST,
          NO_FREE_SLOT,
          EGRESS_REFUSED,
          NAVIGATION_FAILED,
          OUTPUT_TOO_LARGE,
          INTERNAL_ERROR);

  @ActivityMethod
  SessionRef openSession(OpenSessionRequest request);

  @ActivityMethod
  StepResult runStep(StepRequest request);

  @ActivityMethod
  void closeSession(String sessionId);

  /**
   * Keeps the page of a session that waits for input as the checkpoint of the input step {@code
   * step}, then closes the session, which frees its slot (SPEC 10: a wait longer than the hold).
   * Returns the checkpoint, or null when the state could not be kept (then the session is held).
   */
  @ActivityMethod
  Checkpoint suspendSession(SuspendRequest request);

  record SuspendRequest(String sessionId, String runId, int step, String nodeId) {}

  /**
   * A running step's heartbeat details, which the Temporal UI shows on the pending activity: the
   * step, and its latest log lines (the same lines the run's log gets, so nothing a log may not
   * hold), the last {@value #HEARTBEAT_LINES} at most, each cut to {@value #HEARTBEAT_LINE_CHARS}
   * characters.
   */
  record StepHeartbeat(String step, java.util.List<String> latestLines) {}

  int HEARTBEAT_LINES = 20;
  int HEARTBEAT_LINE_CHARS = 300;

  /** The session could not be restored from the run's checkpoint: the run starts over instead. */
  String CHECKPOINT_UNAVAILABLE = "CheckpointUnavailable";

  /** The run's profile failed its check, or its version is gone (SPEC 12): the run fails. */
  String PROFILE_EXPIRED = "ProfileExpired";

  /**
   * No browser could be launched for a run that has not begun, for as long as its timeout: the run
   * fails as timed out (waiting for a free slot never does).
   */
  String SESSION_UNAVAILABLE = "SessionUnavailable";

  /**
   * {@code trace}: whether the session is recorded as a Playwright trace, and kept (null: off).
   * {@code restore}: the checkpoint the session starts from, or null for a fresh browser. {@code
   * profile}: the profile a fresh browser starts from, its login checked first (null: none). {@code
   * proxy}: the upstream proxy its traffic goes through (null: none). {@code failAfterMillis}: for
   * a run that has not begun (its clock starts with its first step), a browser that still cannot be
   * launched after this time (epoch ms, the workflow's clock) fails the run as {@link
   * #SESSION_UNAVAILABLE}, where waiting for a free slot goes on; 0: no bound.
   */
  record OpenSessionRequest(
      String runId,
      int attempt,
      TraceMode trace,
      Checkpoint restore,
      RunInput.ProfileUse profile,
      RunInput.ProxyUse proxy,
      long failAfterMillis) {
    public OpenSessionRequest(String runId, int attempt, TraceMode trace, Checkpoint restore) {
      this(runId, attempt, trace, restore, null, null, 0);
    }
  }

  /**
   * A run's browser state after a completed step, kept sealed in the store by the worker; the
   * workflow holds only this reference: the step and the sealed value's digest, never the state.
   */
  /**
   * {@code ofRun}: the run it was kept for, when not this one (a retry starts from its original's).
   */
  /**
   * {@code key}: the row it is kept in, when not {@code step}'s own (a step inside a loop's; null
   * in references from before loops).
   */
  record Checkpoint(int step, String digest, String ofRun, Integer key) {
    /** This run's own checkpoint. */
    public Checkpoint(int step, String digest) {
      this(step, digest, null, null);
    }

    /** The row the state is kept in. */
    public int row() {
      return key != null ? key : step;
    }

    /**
     * The row a step inside the loop of top-level {@code step} keeps its state in: two take turns
     * ({@code turn} 0 or 1), so that the one the workflow last heard of is never overwritten before
     * the next is known (the worker may die in between).
     */
    public static int loopRow(int step, int turn) {
      return -(2 * step + turn);
    }
  }

  record SessionRef(String sessionId, String taskQueue, String workerId) {}

  record StepRequest(
      String sessionId,
      String runId,
      int stepNumber,
      int stepsTotal,
      StepSpec step,
      long defaultTimeoutMs,
      /** The largest single output, as JSON; 0 (a request from before the cap): the default. */
      long maxOutputBytes,
      /**
       * The run's state as this step begins, for the activity to record before it starts (so the
       * workflow needs no local activity per step); null when the workflow recorded it itself.
       */
      RunState progress,
      /** The run's last step: once it has succeeded, the activity closes the session too. */
      boolean closeSession,
      /**
       * Keep the browser's state once the step has succeeded (false in requests from before
       * checkpoints).
       */
      boolean checkpoint,
      /**
       * An input step: how long the worker holds the session idle for the wait that follows (its
       * idle reaper leaves it alone that long); 0 otherwise.
       */
      long holdMillis,
      /**
       * Where a step inside loops is ({@code each 7/15 › details}), for its log lines; null for a
       * top-level step.
       */
      String place,
      /**
       * The row its state is kept in: 0 for the step's own; a step inside a loop takes turns
       * between two of its own ({@link Checkpoint#key}).
       */
      int checkpointKey) {
    /** The row the step's state goes to. */
    public int stateKey() {
      return checkpointKey != 0 ? checkpointKey : stepNumber;
    }
  }

  /** The output of a {@code forEach} over a selector's elements: the items it goes through. */
  String ITEMS = "items";

  /**
   * {@code checkpoint}: the state kept after the step, or null (not asked for, or over the cap).
   * {@code skipped}: the step's {@code when} did not hold, so it did nothing.
   */
  record StepResult(Map<String, Object> outputs, Checkpoint checkpoint, boolean skipped) {
    public StepResult(Map<String, Object> outputs, Checkpoint checkpoint) {
      this(outputs, checkpoint, false);
    }
  }
}
