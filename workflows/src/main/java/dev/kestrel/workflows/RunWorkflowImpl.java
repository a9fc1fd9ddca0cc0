package dev.kestrel.workflows;

import dev.kestrel.model.LogLevel;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.workflows.BrowserActivities.Checkpoint;
import dev.kestrel.workflows.BrowserActivities.OpenSessionRequest;
import dev.kestrel.workflows.BrowserActivities.SessionRef;
import dev.kestrel.workflows.BrowserActivities.StepRequest;
import dev.kestrel.workflows.BrowserActivities.StepResult;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks a task's steps on one browser session. A lost session (its worker died, its browser
 * crashed) continues in a new one on any worker, up to {@code maxSessionAttempts} times: restored
 * from the run's last checkpoint at the step after it, or from step 1 when there is none. The run's
 * timeout and cancellation both cancel the running step, and the workflow waits until the browser
 * has actually stopped before it records the terminal state.
 */
public class RunWorkflowImpl implements RunWorkflow {
  /**
   * Version 1: each step's activity records the run's progress and the last one closes the session,
   * instead of a local activity per step and a closing activity (issue 12: a workflow task and an
   * activity less per run, and no local activity per step). Runs started before keep their path.
   */
  static final String LEAN_STEPS = "lean-steps";

  private static final LocalActivityOptions STORE_OPTIONS =
      LocalActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(15))
          .setScheduleToCloseTimeout(Duration.ofMinutes(10))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofMillis(500))
                  .setMaximumInterval(Duration.ofSeconds(10))
                  .build())
          .build();

  private final RunRecordActivities record =
      Workflow.newLocalActivityStub(RunRecordActivities.class, STORE_OPTIONS);
  private final WebhookEventActivities webhooks =
      Workflow.newLocalActivityStub(WebhookEventActivities.class, STORE_OPTIONS);

  private RunInput input;
  private RunStatus status = RunStatus.PENDING;
  private int currentStep;
  private Long startedAt;
  private Long finishedAt;
  private Map<String, Object> outputs = new LinkedHashMap<>();
  private RunError error;
  private int sessionAttempt;
  private String workerId;

  /** This session resumed from a checkpoint after a loss (not a retry's first one). */
  private boolean resumedAfterLoss;

  /** The run already started over once after a failure right after a resume. */
  private boolean fellBack;

  /** The numbers of the once-steps that completed: none of them may run again. */
  private final java.util.SortedSet<Integer> completedOnce = new java.util.TreeSet<>();

  private boolean timedOut;

  /** How the steps ended; becomes the run's status only once the session is closed. */
  private RunStatus outcome;

  private boolean leanSteps;

  /**
   * Version 1: each completed step's browser state is kept (sealed, by the worker, in the store)
   * and a lost session resumes from the last one, at the next step, instead of at step 1. Runs
   * started before keep starting over.
   */
  static final String CHECKPOINTS = "checkpoints";

  private boolean checkpointing;

  /** The run's last kept browser state: a reference (step and digest); null before the first. */
  private Checkpoint checkpoint;

  /** The last step closed the session itself. */
  private boolean sessionClosed;

  private ActivityOptions stepOptions;
  private ActivityOptions closeOptions;

  @Override
  public RunState run(RunInput in) {
    this.input = in;
    RunInput.ExecutionSettings settings = in.settings();
    Duration heartbeat = Duration.ofSeconds(settings.heartbeatTimeoutSeconds());
    Duration runTimeout = Duration.ofSeconds(in.timeoutSeconds());
    BrowserActivities sessions =
        Workflow.newActivityStub(
            BrowserActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(TaskQueues.BROWSER)
                // Where organizations wait for a browser slot: in turn, not first come first
                // served.
                .setPriority(RunWorkflow.fairShare(in))
                .setStartToCloseTimeout(Duration.ofSeconds(60))
                .setHeartbeatTimeout(heartbeat)
                // Nothing to stop yet: a pending run is cancelled at once. A session opened
                // regardless is never claimed by a step, and the worker closes it soon.
                .setCancellationType(ActivityCancellationType.TRY_CANCEL)
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(200))
                        .setBackoffCoefficient(1.5)
                        .setMaximumInterval(Duration.ofSeconds(2))
                        .build())
                .setSummary("open browser session")
                .build());
    stepOptions =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(runTimeout.plusSeconds(60))
            .setScheduleToStartTimeout(Duration.ofSeconds(settings.stepScheduleToStartSeconds()))
            .setHeartbeatTimeout(heartbeat)
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build();
    closeOptions =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(30))
            .setScheduleToStartTimeout(Duration.ofSeconds(settings.stepScheduleToStartSeconds()))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(2).build())
            .setSummary("close browser session")
            .build();

    leanSteps = Workflow.getVersion(LEAN_STEPS, Workflow.DEFAULT_VERSION, 1) >= 1;
    checkpointing = Workflow.getVersion(CHECKPOINTS, Workflow.DEFAULT_VERSION, 1) >= 1;
    if (in.retry() != null) {
      // A retry goes on from its original's state after the step before it, with the outputs of
      // the steps before it; the original's once-steps before it are done and never run again.
      checkpoint = in.retry().checkpoint();
      outputs = new LinkedHashMap<>(in.retry().outputs());
      for (int n = 1; n < in.retry().fromStep(); n++) {
        if (in.steps().get(n - 1).runsOnce()) {
          completedOnce.add(n);
        }
      }
    }
    // Detached: a cancellation arriving this early must still find the run's row to record in.
    Workflow.newDetachedCancellationScope(() -> record.recordAccepted(in)).run();

    CancellationScope work = Workflow.newCancellationScope(() -> executeWithSessions(sessions));
    Workflow.newTimer(
            runTimeout,
            TimerOptions.newBuilder()
                .setSummary("run timeout: " + in.timeoutSeconds() + " s, then the run fails")
                .build())
        .thenApply(
            fired -> {
              timedOut = true;
              work.cancel("run timeout");
              return null;
            });
    try {
      work.run();
      status = outcome;
    } catch (RuntimeException e) {
      if (!isCancellation(e)) {
        throw e;
      }
      if (timedOut) {
        status = RunStatus.FAILED;
        error =
            new RunError(
                RunError.TIMEOUT,
                "Run exceeded its timeout of " + in.timeoutSeconds() + " s",
                currentNodeId());
      } else {
        status = RunStatus.CANCELLED;
      }
    }
    finishedAt = Workflow.currentTimeMillis();
    publishStatus();
    WorkflowMetrics.runEnded(status, error, startedAt == null ? null : finishedAt - startedAt);
    RunState last = state();
    // The root scope may be cancelled: record the outcome where cancellation cannot reach.
    Workflow.newDetachedCancellationScope(
            () -> {
              if (leanSteps) {
                record.recordEnd(in.runId(), last, finalLevel(), finalMessage(), currentNodeId());
              } else {
                record.log(in.runId(), finalLevel(), finalMessage(), currentNodeId());
                record.recordState(in.runId(), last);
              }
              announce(status);
            })
        .run();

    if (status == RunStatus.CANCELLED) {
      throw new CanceledFailure("run cancelled");
    }
    if (status == RunStatus.FAILED) {
      // One line for the server's log; the failure itself is benign and carries no stack trace.
      Workflow.getLogger(RunWorkflowImpl.class)
          .info("Run {} failed: {} at step {}", in.runId(), error.code(), error.nodeId());
      throw UserFailures.of(error.message(), error.code());
    }
    return last;
  }

  @Override
  public RunState state() {
    int total = input == null ? 0 : input.steps().size();
    return new RunState(
        status,
        currentStep,
        total,
        startedAt,
        finishedAt,
        new LinkedHashMap<>(outputs),
        error,
        sessionAttempt,
        workerId);
  }

  private void executeWithSessions(BrowserActivities sessions) {
    int maxAttempts = input.settings().maxSessionAttempts();
    for (int attempt = 1; ; attempt++) {
      sessionAttempt = attempt;
      SessionRef session = openSession(sessions, attempt);
      workerId = session.workerId();
      WorkflowMetrics.sessionOpened();
      sessionClosed = false;
      boolean lost = false;
      try {
        int done = checkpoint == null ? 0 : checkpoint.step();
        if (wouldRepeatOnceStep(done)) {
          return;
        }
        resumedAfterLoss = attempt > 1 && checkpoint != null && checkpoint.ofRun() == null;
        runSteps(session, done);
        return;
      } catch (StartOver over) {
        // Not a lost session: the loop opens the next one, which starts at step 1.
        continue;
      } catch (ActivityFailure f) {
        if (isCancellation(f)) {
          throw f;
        }
        lost = true;
        WorkflowMetrics.sessionLost();
        String why = describe(f);
        if (mayHaveBegun(f) && currentStepIsOnce()) {
          interrupted(
              "Step "
                  + named(currentStep)
                  + " has an effect outside the page and its browser session was lost while it ran ("
                  + why
                  + "): it is not run again. Check whether it took effect before acting on this run.");
          return;
        }
        if (attempt >= maxAttempts) {
          outcome = RunStatus.FAILED;
          error =
              new RunError(
                  RunError.BROWSER_CRASHED,
                  "Browser session lost " + attempt + " times; last: " + why,
                  currentNodeId());
          return;
        }
        String next =
            checkpoint == null
                ? "restarting the session from step 1"
                : "resuming at step "
                    + (checkpoint.step() + 1)
                    + " from the checkpoint of step "
                    + checkpoint.step();
        record.log(
            input.runId(),
            LogLevel.WARNING,
            "Browser session on worker "
                + session.workerId()
                + " was lost at step "
                + currentStep
                + " ("
                + why
                + "); "
                + next
                + " (attempt "
                + (attempt + 1)
                + " of "
                + maxAttempts
                + ")",
            currentNodeId());
      } finally {
        if (!sessionClosed) {
          closeSession(session, lost);
        }
      }
    }
  }

  /**
   * Whether going on after step {@code done} would run a completed once-step again (the run starts
   * over, or resumes from a checkpoint older than it): then the run ends as interrupted instead.
   */
  private boolean wouldRepeatOnceStep(int done) {
    java.util.SortedSet<Integer> again = completedOnce.tailSet(done + 1);
    if (again.isEmpty()) {
      return false;
    }
    int number = again.first();
    currentStep = number;
    interrupted(
        "Going on from step "
            + (done + 1)
            + " would run step "
            + named(number)
            + " again, which has an effect outside the page and completed before its browser session was lost: it is not repeated.");
    return true;
  }

  /**
   * The first step after a resume failed: the restored state may be what is wrong, so the run
   * starts over at step 1, once, unless that would run a completed once-step again; the log says
   * which it did.
   */
  private void startOverOnce(StepSpec step, String why) {
    fellBack = true;
    String failed =
        "Step "
            + currentStep
            + " failed right after resuming from the checkpoint of step "
            + checkpoint.step();
    if (!completedOnce.isEmpty()) {
      int once = completedOnce.first();
      record.log(
          input.runId(),
          LogLevel.WARNING,
          failed
              + "; not starting over at step 1, which would run step "
              + once
              + " ("
              + input.steps().get(once - 1).id()
              + ") again",
          step.id());
      return;
    }
    record.log(
        input.runId(),
        LogLevel.WARNING,
        failed + " (" + why + "); starting over at step 1, once",
        step.id());
    checkpoint = null;
    throw new StartOver();
  }

  /** Thrown out of the steps to start the run over in a new session (see startOverOnce). */
  private static final class StartOver extends RuntimeException {
    StartOver() {
      super(null, null, false, false);
    }
  }

  /** A step as messages name it: {@code 2 (pay, click #pay)}. */
  private String named(int number) {
    StepSpec step = input.steps().get(number - 1);
    return number + " (" + step.id() + ", " + step.describe() + ")";
  }

  /** Ends the run as interrupted; its last log line ("Run failed: ...") says what to check. */
  private void interrupted(String message) {
    outcome = RunStatus.FAILED;
    error = new RunError(RunError.INTERRUPTED_SIDE_EFFECT, message, currentNodeId());
  }

  private boolean currentStepIsOnce() {
    return currentStep >= 1
        && currentStep <= input.steps().size()
        && input.steps().get(currentStep - 1).runsOnce();
  }

  /**
   * Whether a lost step may have begun on its worker: anything but a step no worker picked up
   * (schedule-to-start), which certainly did nothing.
   */
  private static boolean mayHaveBegun(ActivityFailure f) {
    return !(f.getCause() instanceof TimeoutFailure t
        && t.getTimeoutType()
            == io.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
  }

  /**
   * A session for the next attempt: restored from the run's last checkpoint when there is one; when
   * that cannot be restored (gone, unreadable, its page does not load), a fresh one, and the run
   * starts over at step 1.
   */
  private SessionRef openSession(BrowserActivities sessions, int attempt) {
    if (checkpoint != null) {
      try {
        return sessions.openSession(
            new OpenSessionRequest(
                input.runId(), attempt, input.settings().traceMode(), checkpoint));
      } catch (ActivityFailure f) {
        if (isCancellation(f)
            || !(f.getCause() instanceof ApplicationFailure af)
            || !BrowserActivities.CHECKPOINT_UNAVAILABLE.equals(af.getType())) {
          throw f;
        }
        record.log(
            input.runId(),
            LogLevel.WARNING,
            "The checkpoint of step "
                + checkpoint.step()
                + " could not be restored ("
                + af.getOriginalMessage()
                + "); starting over at step 1",
            currentNodeId());
        checkpoint = null;
      }
    }
    return sessions.openSession(
        new OpenSessionRequest(input.runId(), attempt, input.settings().traceMode(), null));
  }

  /**
   * Runs the steps after {@code done} (0: all of them). A session that starts over starts with no
   * outputs, so they are always those of one execution of each step; one restored from a checkpoint
   * keeps the outputs of the steps before it.
   */
  private void runSteps(SessionRef session, int done) {
    List<StepSpec> steps = input.steps();
    int total = steps.size();
    Map<String, Object> produced = done == 0 ? new LinkedHashMap<>() : outputs;
    outputs = produced;
    for (int i = done; i < total; i++) {
      StepSpec step = steps.get(i);
      currentStep = i + 1;
      boolean starting = status == RunStatus.PENDING;
      if (starting) {
        status = RunStatus.RUNNING;
        startedAt = Workflow.currentTimeMillis();
        publishStatus();
        WorkflowMetrics.runStarted(startedAt - input.createdAtMillis());
      }
      RunState progress = state();
      // The first transition is recorded here, since its webhook's body is the row; the others
      // by the step's activity as it begins, which saves the workflow task a local activity.
      boolean recordHere = starting || !leanSteps;
      if (recordHere) {
        record.recordState(input.runId(), progress);
      }
      if (starting) {
        announce(status);
      }
      boolean last = i == total - 1;
      StepSpec resolved = Templates.resolve(step, input.inputs(), produced);
      BrowserActivities browser =
          Workflow.newActivityStub(
              BrowserActivities.class,
              stepOptions.toBuilder()
                  .setTaskQueue(session.taskQueue())
                  .setSummary(currentStep + "/" + total + " " + resolved.describe())
                  .build());
      try {
        StepResult result =
            browser.runStep(
                new StepRequest(
                    session.sessionId(),
                    input.runId(),
                    currentStep,
                    total,
                    resolved,
                    input.settings().defaultStepTimeoutMs(),
                    input.settings().outputCap(),
                    recordHere ? null : progress,
                    leanSteps && last,
                    // After the last step nothing resumes: its state is not kept.
                    checkpointing && !last && !input.settings().restartsOnLoss()));
        sessionClosed = leanSteps && last;
        if (result.checkpoint() != null) {
          checkpoint = result.checkpoint();
        }
        if (step.runsOnce()) {
          completedOnce.add(currentStep);
        }
        if (result.outputs() != null) {
          produced.putAll(result.outputs());
        }
        long outputBytes = OutputSizes.of(produced);
        if (outputBytes > input.settings().runOutputCap()) {
          outcome = RunStatus.FAILED;
          error =
              new RunError(
                  RunError.OUTPUT_TOO_LARGE,
                  "The run's outputs come to "
                      + outputBytes
                      + " bytes, over the limit of "
                      + input.settings().runOutputCap(),
                  step.id());
          return;
        }
      } catch (ActivityFailure f) {
        if (f.getCause() instanceof ApplicationFailure af) {
          String code =
              switch (String.valueOf(af.getType())) {
                case BrowserActivities.STEP_FAILED -> RunError.STEP_FAILED;
                case BrowserActivities.EGRESS_REFUSED -> RunError.EGRESS_REFUSED;
                case BrowserActivities.OUTPUT_TOO_LARGE -> RunError.OUTPUT_TOO_LARGE;
                default -> null;
              };
          if (code != null) {
            if (resumedAfterLoss && i == done && !fellBack) {
              startOverOnce(step, af.getOriginalMessage());
            }
            outcome = RunStatus.FAILED;
            error = new RunError(code, af.getOriginalMessage(), step.id());
            return;
          }
        }
        throw f;
      }
    }
    outcome = RunStatus.COMPLETED;
  }

  /**
   * Always release the session, also when cancelled; a lost session's worker may be gone, so don't
   * wait for it.
   */
  private void closeSession(SessionRef session, boolean lost) {
    BrowserActivities closer =
        Workflow.newActivityStub(
            BrowserActivities.class,
            closeOptions.toBuilder().setTaskQueue(session.taskQueue()).build());
    Workflow.newDetachedCancellationScope(
            () -> {
              if (lost) {
                Async.procedure(closer::closeSession, session.sessionId());
                return;
              }
              try {
                closer.closeSession(session.sessionId());
              } catch (ActivityFailure ignored) {
                // The worker's idle-session reaper closes what could not be closed here.
              }
            })
        .run();
  }

  /**
   * Tells webhook endpoints about the transition to {@code reached}, once its row is recorded (the
   * event's body is the row). Webhooks never fail a run: should the store stay unreachable beyond
   * the local activity's retries, the event is logged as not announced.
   */
  private void announce(RunStatus reached) {
    WebhookEvent event = WebhookEvent.forStatus(reached).orElseThrow();
    try {
      webhooks.announce(input.runId(), event);
    } catch (ActivityFailure f) {
      if (isCancellation(f)) {
        throw f;
      }
      Workflow.getLogger(RunWorkflowImpl.class)
          .error(
              "Could not announce {} of run {}: {}",
              event.wireName(),
              input.runId(),
              f.getMessage());
    }
  }

  /** Keeps the status search attribute current, so the Temporal UI can filter on it. */
  private void publishStatus() {
    Workflow.upsertTypedSearchAttributes(RunSearchAttributes.STATUS.valueSet(status.name()));
  }

  private String currentNodeId() {
    if (input == null || currentStep < 1 || currentStep > input.steps().size()) {
      return null;
    }
    return input.steps().get(currentStep - 1).id();
  }

  private LogLevel finalLevel() {
    return status == RunStatus.FAILED ? LogLevel.ERROR : LogLevel.INFO;
  }

  private String finalMessage() {
    return switch (status) {
      case COMPLETED -> "Run completed";
      case CANCELLED -> "Run cancelled";
      case FAILED -> "Run failed: " + error.message();
      default -> "Run ended as " + status;
    };
  }

  static boolean isCancellation(Throwable e) {
    return e instanceof CanceledFailure
        || (e instanceof ActivityFailure && e.getCause() instanceof CanceledFailure);
  }

  private static String describe(ActivityFailure f) {
    Throwable cause = f.getCause();
    if (cause instanceof TimeoutFailure t) {
      return "activity timed out: " + t.getTimeoutType();
    }
    if (cause instanceof ApplicationFailure a
        && BrowserActivities.USER_FACING.contains(a.getType())) {
      return a.getType() + ": " + a.getOriginalMessage();
    }
    // Anything else may carry internals (a class name, SQL): the run says where to look instead.
    return "an internal error in activity "
        + f.getActivityId()
        + " (the worker's log has the detail)";
  }
}
