package dev.kestrel.workflows;

import com.uber.m3.tally.Scope;
import com.uber.m3.util.Duration;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * What the workflows count: through the SDK's workflow metrics scope, which stays silent while a
 * workflow replays, so a run is counted once however often its history is replayed. The SDK tags
 * each series with namespace, task queue and workflow type; ours add only bounded labels (a status,
 * an error code), never a run, task or organization id. Exported with the SDK's own metrics
 * (README, Metrics).
 */
public final class WorkflowMetrics {
  static final String RUNS_STARTED = "kestrel_runs_started";
  static final String RUNS_ENDED = "kestrel_runs_ended";
  static final String RUN_QUEUE_WAIT = "kestrel_run_queue_wait";
  static final String RUN_DURATION = "kestrel_run_duration";
  static final String SESSIONS_OPENED = "kestrel_browser_sessions_opened";
  static final String SESSIONS_LOST = "kestrel_browser_sessions_lost";
  static final String DELIVERIES_GIVEN_UP = "kestrel_webhook_deliveries_given_up";
  static final String INPUT_WAITS = "kestrel_input_waits";
  static final String INPUT_ANSWER_TIME = "kestrel_input_answer_time";

  /** HELP texts: the SDK's scope cannot carry them, so the registry adds them by name. */
  public static final Map<String, String> DESCRIPTIONS =
      Map.of(
          RUNS_STARTED, "Runs whose first step began",
          RUNS_ENDED, "Runs that reached a terminal status, by status and error code",
          RUN_QUEUE_WAIT, "Time from a run's acceptance to its first step",
          RUN_DURATION, "Time from a run's first step to its end, by status",
          SESSIONS_OPENED, "Browser sessions opened for runs",
          SESSIONS_LOST,
              "Browser sessions lost while a run held them (a worker or its Chromium died)",
          DELIVERIES_GIVEN_UP, "Webhook deliveries given up after their last retry",
          INPUT_WAITS,
              "Waits of input steps that ended, by outcome (answered, timed_out, cancelled)",
          INPUT_ANSWER_TIME, "Time from an input step's wait to its answer");

  /** The labels Kestrel's series may carry: bounded sets, never an id. */
  public static final java.util.Set<String> LABELS =
      java.util.Set.of("status", "error_code", "trigger", "action", "outcome", "code");

  private WorkflowMetrics() {}

  /** The run's first step begins: accepted {@code queuedMillis} ago. */
  static void runStarted(long queuedMillis) {
    Scope scope = Workflow.getMetricsScope();
    scope.counter(RUNS_STARTED).inc(1);
    scope.timer(RUN_QUEUE_WAIT).record(Duration.ofMillis(Math.max(0, queuedMillis)));
  }

  /**
   * The run reached {@code status}; {@code ranMillis} since its first step, null if it never began
   * one.
   */
  static void runEnded(RunStatus status, RunError error, Long ranMillis) {
    Scope scope =
        Workflow.getMetricsScope()
            .tagged(
                Map.of(
                    "status",
                    status.name(),
                    "error_code",
                    error == null ? "none" : bounded(error.code())));
    scope.counter(RUNS_ENDED).inc(1);
    if (ranMillis != null) {
      Workflow.getMetricsScope()
          .tagged(Map.of("status", status.name()))
          .timer(RUN_DURATION)
          .record(Duration.ofMillis(Math.max(0, ranMillis)));
    }
  }

  static void sessionOpened() {
    Workflow.getMetricsScope().counter(SESSIONS_OPENED).inc(1);
  }

  static void sessionLost() {
    Workflow.getMetricsScope().counter(SESSIONS_LOST).inc(1);
  }

  static void deliveryGivenUp() {
    Workflow.getMetricsScope().counter(DELIVERIES_GIVEN_UP).inc(1);
  }

  /**
   * An input step's wait ended: {@code outcome} answered, timed_out or cancelled, after {@code
   * waitedMillis}, which counts as the answer's time when it was answered.
   */
  static void inputWaitEnded(String outcome, long waitedMillis) {
    Workflow.getMetricsScope().tagged(Map.of("outcome", outcome)).counter(INPUT_WAITS).inc(1);
    if (outcome.equals("answered")) {
      Workflow.getMetricsScope()
          .timer(INPUT_ANSWER_TIME)
          .record(Duration.ofMillis(Math.max(0, waitedMillis)));
    }
  }

  /**
   * Error codes are ours and few; anything else is folded into one value, so the label stays
   * bounded.
   */
  private static String bounded(String code) {
    return switch (code) {
      case RunError.STEP_FAILED,
          RunError.TIMEOUT,
          RunError.BROWSER_CRASHED,
          RunError.EGRESS_REFUSED,
          RunError.OUTPUT_TOO_LARGE,
          RunError.INTERRUPTED_SIDE_EFFECT,
          RunError.INPUT_TIMEOUT,
          RunError.NAVIGATION_FAILED,
          RunError.ENGINE_LOST ->
          code;
      default -> "other";
    };
  }
}
