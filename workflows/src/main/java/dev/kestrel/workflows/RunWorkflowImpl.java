package dev.kestrel.workflows;

import dev.kestrel.model.LogLevel;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepAction;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.WaitingFor;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.workflows.BrowserActivities.Checkpoint;
import dev.kestrel.workflows.BrowserActivities.OpenSessionRequest;
import dev.kestrel.workflows.BrowserActivities.SessionRef;
import dev.kestrel.workflows.BrowserActivities.StepRequest;
import dev.kestrel.workflows.BrowserActivities.StepResult;
import dev.kestrel.workflows.BrowserActivities.SuspendRequest;
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
import io.temporal.workflow.WorkflowInfo;
import java.time.Duration;
import java.time.Instant;
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
  private final ProfileActivities profiles =
      Workflow.newLocalActivityStub(ProfileActivities.class, STORE_OPTIONS);

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
  /**
   * The once-steps that completed, by how many steps had run when each did ({@link
   * StepPosition#executed}), as messages name them: none of them may run again.
   */
  private final java.util.TreeMap<Long, RunInput.OnceDone> completedOnce =
      new java.util.TreeMap<>();

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

  /**
   * From version 1 the run's timeout counts from its first step: a run waiting for a free browser
   * slot is queued, not late (issue 28: under a backlog, runs timed out without a step run).
   * Before, the clock started with the workflow.
   */
  static final String CLOCK_FROM_FIRST_STEP = "clock-from-first-step";

  private boolean clockFromFirstStep;

  private boolean checkpointing;

  /** The run's last kept browser state: a reference (step and digest); null before the first. */
  private Checkpoint checkpoint;

  /** Where the run is in its steps, loops included; null before its first. */
  private StepPosition position;

  /** Where the run was when {@link #checkpoint} was kept: a resume goes on from there. */
  private StepPosition checkpointAt;

  /** The id of the step (of any depth) the run is at, for its errors and log lines. */
  private String nodeId;

  /** The leaf step whose activity is in flight, or null. */
  private StepSpec running;

  /**
   * How many steps the run's loops executed, those run again after a lost session included (its
   * top-level steps are bounded by the task's size).
   */
  private long executions;

  /** The top-level step the run's row was last told of by a step's activity. */
  private int recordedStep;

  /** The run goes on as a new execution: its session is handed over, not closed. */
  private boolean continuing;

  /** The last step closed the session itself. */
  private boolean sessionClosed;

  private ActivityOptions stepOptions;
  private ActivityOptions closeOptions;

  /** The run's steps; cancelled by the run's timeout and by a cancellation of the run. */
  private CancellationScope work;

  /**
   * The run's timeout, as a timer in a scope of its own: an input step's wait stops it, and the
   * time the run had left starts it again after the wait (waiting for a person is not the run's
   * work; the input step's own timeout bounds the wait).
   */
  private CancellationScope runTimer;

  private long runTimeLeftMillis;
  private long runTimerStartedAt;

  /** The answers to input steps, by step id (a secret's value sealed): {{input.<step>.<field>}}. */
  private final Map<String, Map<String, Object>> answers = new LinkedHashMap<>();

  /** The wait in progress, or null. */
  private WaitingFor waiting;

  /** The answer to the wait in progress, once one was taken. */
  private InputAnswer answer;

  /** The last answer taken, so that the same one sent again is answered and changes nothing. */
  private InputAnswer lastAnswer;

  /** How many waits the run began, and how many of them ended with their row written. */
  private int waitsBegun;

  private int waitsRecorded;

  /** Sessions opened to go on after a wait outlived its session: none of them was lost. */
  private int resumesAfterWait;

  /** The session being opened follows a wait that closed the last one, not a loss. */
  private boolean resumingAfterWait;

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
    clockFromFirstStep =
        Workflow.getVersion(CLOCK_FROM_FIRST_STEP, Workflow.DEFAULT_VERSION, 1) >= 1;
    RunInput.Continued carried = in.continued();
    if (carried != null) {
      restore(carried);
    } else if (in.retry() != null) {
      // A retry goes on from its original's state after the step before it, with the outputs of
      // the steps before it; the original's once-steps before it are done and never run again.
      checkpoint = in.retry().checkpoint();
      int before = in.retry().fromStep() - 1;
      checkpointAt = new StepPosition(List.of(new StepPosition.Level(before, 0, 1, null)), before);
      outputs = new LinkedHashMap<>(in.retry().outputs());
      for (int n = 1; n < in.retry().fromStep(); n++) {
        if (in.steps().get(n - 1).runsOnce()) {
          completedOnce.put((long) n, onceDone(in.steps().get(n - 1), n));
        }
      }
    }
    if (carried == null) {
      // Detached: a cancellation arriving this early must still find the run's row to record in.
      Workflow.newDetachedCancellationScope(() -> record.recordAccepted(in)).run();
      runTimeLeftMillis = runTimeout.toMillis();
    }

    work = Workflow.newCancellationScope(() -> executeWithSessions(sessions, carried));
    if (carried != null) {
      startRunTimer("run timeout: the " + runTimeLeftMillis / 1000 + " s the run has left");
    } else if (!clockFromFirstStep) {
      startRunTimer("run timeout: " + in.timeoutSeconds() + " s, then the run fails");
    }
    try {
      work.run();
      status = outcome;
      if (in.profile() != null && in.profile().spec().savesAfter(status)) {
        saveProfile(in);
      }
    } catch (ContinueAsNew next) {
      stopRunTimer();
      Workflow.await(Workflow::isEveryHandlerFinished);
      Workflow.continueAsNew(
          new RunInput(
              in.runId(),
              in.organizationId(),
              in.taskId(),
              in.taskName(),
              in.taskVersion(),
              in.clientRequestId(),
              in.triggerType(),
              in.createdAtMillis(),
              in.inputs(),
              in.steps(),
              in.timeoutSeconds(),
              in.settings(),
              in.retry(),
              carry(next.session),
              in.profile(),
              in.proxy()));
      throw new IllegalStateException("continueAsNew returned");
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

    // An answer's update returns once its wait's end is recorded; none is left hanging (also
    // when the run was cancelled, hence detached).
    Workflow.newDetachedCancellationScope(() -> Workflow.await(Workflow::isEveryHandlerFinished))
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
        workerId,
        waiting);
  }

  @Override
  public void validateInput(InputAnswer given) {
    if (!answers(given)) {
      if (sameAs(answer, given) || sameAs(lastAnswer, given)) {
        return; // A repeat: answered, and nothing changes.
      }
      throw RunWorkflow.refusal(
          NOT_WAITING,
          waiting == null
              ? "the run waits for no input"
              : "the run waits for input at step " + waiting.stepId());
    }
    java.util.List<InputValues.Problem> problems =
        InputValues.check(waiting.fields(), given.values(), false);
    if (!problems.isEmpty()) {
      throw RunWorkflow.refusal(INPUT_INVALID, problems.get(0).msg());
    }
  }

  @Override
  public void submitInput(InputAnswer given) {
    if (!answers(given)) {
      return; // A repeat the validator let through.
    }
    int wait = waiting.waitNumber();
    answer = new InputAnswer(given.stepId(), wait, given.values(), given.fingerprints());
    // Answered once the run's row no longer shows the wait, so the API shows the run going on.
    Workflow.await(() -> waitsRecorded >= wait || finishedAt != null);
  }

  /** Whether {@code given} is for the wait in progress, which has no answer yet. */
  private boolean answers(InputAnswer given) {
    return waiting != null
        && answer == null
        && waiting.stepId().equals(given.stepId())
        && (given.waitNumber() == null || given.waitNumber() == waiting.waitNumber());
  }

  /** The same answer: its step and wait, its values, and its secrets by their fingerprints. */
  private static boolean sameAs(InputAnswer taken, InputAnswer given) {
    if (taken == null
        || !taken.stepId().equals(given.stepId())
        || (given.waitNumber() != null && !given.waitNumber().equals(taken.waitNumber()))) {
      return false;
    }
    Map<String, String> secrets = taken.fingerprints() == null ? Map.of() : taken.fingerprints();
    Map<String, String> givenSecrets =
        given.fingerprints() == null ? Map.of() : given.fingerprints();
    if (!secrets.equals(givenSecrets)) {
      return false;
    }
    Map<String, Object> a = new LinkedHashMap<>(taken.values() == null ? Map.of() : taken.values());
    Map<String, Object> b = new LinkedHashMap<>(given.values() == null ? Map.of() : given.values());
    a.keySet().removeAll(secrets.keySet());
    b.keySet().removeAll(secrets.keySet());
    return a.equals(b);
  }

  private void executeWithSessions(BrowserActivities sessions, RunInput.Continued carried) {
    int maxAttempts = input.settings().maxSessionAttempts();
    for (int attempt = carried == null ? 1 : carried.sessionAttempt(); ; attempt++) {
      sessionAttempt = attempt;
      SessionRef session;
      if (carried != null) {
        // The execution this one continues had the session open: its page goes on here.
        session = carried.session();
      } else {
        try {
          session = openSession(sessions, attempt);
        } catch (ActivityFailure f) {
          // What the run names could not be had (SPEC 12): its profile's login, or its proxy.
          String code =
              f.getCause() instanceof ApplicationFailure af
                  ? BrowserActivities.PROFILE_EXPIRED.equals(af.getType())
                      ? RunError.PROFILE_EXPIRED
                      : BrowserActivities.STEP_FAILED.equals(af.getType())
                          ? RunError.STEP_FAILED
                          : BrowserActivities.SESSION_UNAVAILABLE.equals(af.getType())
                              ? RunError.TIMEOUT
                              : null
                  : null;
          if (code == null) {
            throw f;
          }
          outcome = RunStatus.FAILED;
          error =
              new RunError(code, ((ApplicationFailure) f.getCause()).getOriginalMessage(), null);
          return;
        }
        WorkflowMetrics.sessionOpened();
      }
      workerId = session.workerId();
      sessionClosed = false;
      boolean lost = false;
      try {
        if (carried != null) {
          StepPosition from = carried.position();
          carried = null;
          runSteps(session, from, false);
          return;
        }
        StepPosition from = checkpoint == null ? null : checkpointAt;
        if (wouldRepeatOnceStep(from == null ? 0 : from.executed())) {
          return;
        }
        resumedAfterLoss =
            !resumingAfterWait && attempt > 1 && checkpoint != null && checkpoint.ofRun() == null;
        resumingAfterWait = false;
        runSteps(session, from, from != null);
        return;
      } catch (StartOver over) {
        // Not a lost session: the loop opens the next one, which starts at step 1.
        continue;
      } catch (ResumeAfterWait resume) {
        // Not a lost session either: the wait closed it, and the next one goes on from the
        // checkpoint the wait kept.
        resumesAfterWait++;
        resumingAfterWait = true;
        continue;
      } catch (ActivityFailure f) {
        if (isCancellation(f)) {
          throw f;
        }
        lost = true;
        WorkflowMetrics.sessionLost();
        String why = describe(f);
        if (mayHaveBegun(f) && running != null && running.runsOnce()) {
          interrupted(
              "Step "
                  + named(running, currentStep)
                  + " has an effect outside the page and its browser session was lost while it ran ("
                  + why
                  + "): it is not run again. Check whether it took effect before acting on this run.");
          return;
        }
        if (attempt - resumesAfterWait >= maxAttempts) {
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
                : checkpointAt != null && checkpointAt.nested()
                    ? "resuming inside the loop of step "
                        + checkpoint.step()
                        + " at "
                        + checkpointAt.place(input.steps(), "its next step")
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
                + (attempt - resumesAfterWait + 1)
                + " of "
                + maxAttempts
                + ")",
            currentNodeId());
      } finally {
        // A continue-as-new hands the open session to the next execution.
        if (!sessionClosed && !continuing) {
          closeSession(session, lost);
        }
      }
    }
  }

  /**
   * Whether going on from the point where {@code done} steps had run (0: from the start) would run
   * a completed once-step again (the run starts over, or resumes from a checkpoint older than it):
   * then the run ends as interrupted instead.
   */
  private boolean wouldRepeatOnceStep(long done) {
    Map.Entry<Long, RunInput.OnceDone> again = completedOnce.higherEntry(done);
    if (again == null) {
      return false;
    }
    nodeId = again.getValue().stepId();
    String step = again.getValue().named();
    interrupted(
        "Going on from "
            + (done == 0 ? "step 1" : "the checkpoint of step " + checkpoint.step())
            + " would run step "
            + step
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
      record.log(
          input.runId(),
          LogLevel.WARNING,
          failed
              + "; not starting over at step 1, which would run step "
              + completedOnce.firstEntry().getValue().number()
              + " ("
              + completedOnce.firstEntry().getValue().stepId()
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

  /**
   * Thrown out of the steps when a wait for input outlived its session: the run goes on in a new
   * one, from the checkpoint the wait kept.
   */
  private static final class ResumeAfterWait extends RuntimeException {
    ResumeAfterWait() {
      super(null, null, false, false);
    }
  }

  /** Thrown out of the steps to start the run over in a new session (see startOverOnce). */
  private static final class StartOver extends RuntimeException {
    StartOver() {
      super(null, null, false, false);
    }
  }

  /**
   * A step as messages name it: {@code 2 (pay, click #pay)}, in a loop {@code 2 each 3/5 › pay}.
   */
  private String named(StepSpec step, int number) {
    String place = position == null ? null : position.place(input.steps(), step.id());
    return number
        + (place == null ? " (" + step.id() : " " + place + " (")
        + (place == null ? ", " : "")
        + step.describe()
        + ")";
  }

  private RunInput.OnceDone onceDone(StepSpec step, int number) {
    return new RunInput.OnceDone(step.id(), number, named(step, number));
  }

  /** Ends the run as interrupted; its last log line ("Run failed: ...") says what to check. */
  private void interrupted(String message) {
    outcome = RunStatus.FAILED;
    error = new RunError(RunError.INTERRUPTED_SIDE_EFFECT, message, currentNodeId());
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
                input.runId(),
                attempt,
                input.settings().traceMode(),
                checkpoint,
                null,
                input.proxy(),
                failAfterMillis()));
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
    // A fresh browser starts from the run's profile (SPEC 12); a restored one has it already.
    return sessions.openSession(
        new OpenSessionRequest(
            input.runId(),
            attempt,
            input.settings().traceMode(),
            null,
            input.profile(),
            input.proxy(),
            failAfterMillis()));
  }

  /**
   * Until its first step the run's clock has not started, and a session that cannot open would keep
   * it PENDING for ever: a browser that cannot be launched for as long as its timeout fails it (a
   * free slot is waited for, however long). Once started, its timer bounds it.
   */
  private long failAfterMillis() {
    return runTimer == null ? Workflow.currentTimeMillis() + input.timeoutSeconds() * 1000L : 0;
  }

  /**
   * Keeps the run's state after its last step as its profile's next version, and says so; a save
   * over a version another run saved meanwhile keeps both, this one current (SPEC 12).
   */
  private void saveProfile(RunInput in) {
    String name = in.profile().name();
    if (checkpoint == null) {
      record.log(
          in.runId(),
          LogLevel.WARNING,
          "Profile '" + name + "' not saved: no browser state was kept after the last step",
          null);
      return;
    }
    ProfileActivities.Saved saved =
        profiles.saveProfile(
            new ProfileActivities.SaveRequest(in.runId(), in.profile(), checkpoint));
    if (saved == null) {
      record.log(
          in.runId(),
          LogLevel.WARNING,
          "Profile '" + name + "' not saved: it was deleted, or the run's state is gone",
          null);
    } else if (saved.previous() != in.profile().version()) {
      record.log(
          in.runId(),
          LogLevel.WARNING,
          "Profile '"
              + name
              + "' saved as version "
              + saved.version()
              + ", now current; version "
              + saved.previous()
              + ", made (by another run, an import or a rollback) after this run started from"
              + " version "
              + in.profile().version()
              + ", is kept",
          null);
    } else {
      record.log(
          in.runId(),
          LogLevel.INFO,
          "Profile '" + name + "' saved as version " + saved.version(),
          null);
    }
  }

  /**
   * Runs the steps from {@code from} (null: all of them, from the first). A session that starts
   * over starts with no outputs, so they are always those of one execution of each step; one
   * restored from a checkpoint keeps the outputs of the steps before it. Loops are walked here, one
   * nested step at a time ({@link StepPosition}), so that a checkpoint, a lost session and a
   * continue-as-new each know the round they are in.
   */
  private void runSteps(SessionRef session, StepPosition from, boolean resuming) {
    List<StepSpec> steps = input.steps();
    Map<String, Object> produced = from == null ? new LinkedHashMap<>() : outputs;
    outputs = produced;
    position = from == null ? StepPosition.start() : from;
    boolean firstAfterResume = resuming;
    while (true) {
      StepSpec step = position.step(steps);
      if (step == null) {
        if (!position.nested()) {
          break;
        }
        position = position.hasNextRound() ? position.nextRound() : position.exit();
        continue;
      }
      currentStep = position.topIndex() + 1;
      nodeId = step.id();
      Map<String, Object> scope = position.scope(steps);
      StepSpec resolved = Templates.resolve(step, input.inputs(), produced, answers, scope);
      if (step.runsSteps()) {
        StepPosition entered = beginLoop(session, step, resolved, produced, scope);
        if (entered == null) {
          return;
        }
        position = entered;
        continue;
      }
      if (step.action() == StepAction.BREAK) {
        Boolean holds = control(session, step, resolved);
        if (holds == null) {
          return;
        }
        position = holds ? position.exit() : position.next(false);
        continue;
      }
      if (position.nested() && executions >= input.settings().stepExecutionLimit()) {
        outcome = RunStatus.FAILED;
        error =
            new RunError(
                RunError.STEP_LIMIT,
                "The run's loops executed "
                    + executions
                    + " steps, the most one run's may; step "
                    + step.id()
                    + " did not run",
                step.id());
        return;
      }
      if (!runLeaf(session, step, resolved, produced, firstAfterResume)) {
        return;
      }
      firstAfterResume = false;
      if (position.step(steps) != null || position.nested()) {
        continueAsNewIfDue(session);
      }
    }
    outcome = RunStatus.COMPLETED;
  }

  /**
   * Records the run as started on its first step (of whatever kind). Whether the transition was
   * recorded here: the others are recorded by the step's activity as it begins.
   */
  private boolean beginStep() {
    boolean starting = status == RunStatus.PENDING;
    if (starting) {
      status = RunStatus.RUNNING;
      startedAt = Workflow.currentTimeMillis();
      publishStatus();
      WorkflowMetrics.runStarted(startedAt - input.createdAtMillis());
      if (runTimer == null) {
        startRunTimer(
            "run timeout: "
                + input.timeoutSeconds()
                + " s from its first step, then the run fails");
      }
      // The first transition is recorded here, since its webhook's body is the row.
      record.recordState(input.runId(), state());
      announce(status);
    }
    return starting;
  }

  /**
   * Starts the loop {@code step} at the current position: its {@code when}, and the items a {@code
   * forEach} goes through (a selector's elements are read by the worker). The position inside its
   * first round, past it when it has none, or null when the run ends here.
   */
  @SuppressWarnings("unchecked")
  private StepPosition beginLoop(
      SessionRef session,
      StepSpec step,
      StepSpec resolved,
      Map<String, Object> produced,
      Map<String, Object> scope) {
    List<Object> items = null;
    if (step.when() != null || step.selector() != null) {
      StepResult read = controlStep(session, step, resolved);
      if (read == null) {
        return null;
      }
      if (read.skipped()) {
        return position.next(false);
      }
      if (step.selector() != null) {
        items = (List<Object>) read.outputs().get(BrowserActivities.ITEMS);
      }
    } else {
      beginStep();
    }
    if (step.action() == StepAction.FOR_EACH && items == null) {
      Object value = Templates.value(step.items(), input.inputs(), produced, answers, scope);
      if (!(value instanceof List<?> list)) {
        outcome = RunStatus.FAILED;
        error =
            new RunError(
                RunError.STEP_FAILED,
                "forEach "
                    + step.items()
                    + " is not a list of items (it is "
                    + (value == null ? "empty" : OutputSizes.kind(value))
                    + ")",
                step.id());
        return null;
      }
      items = (List<Object>) list;
    }
    int rounds = step.maxRounds();
    if (items != null) {
      if (items.size() > rounds) {
        record.log(
            input.runId(),
            LogLevel.WARNING,
            "forEach "
                + step.id()
                + " goes through the first "
                + rounds
                + " of "
                + items.size()
                + " items (its maxItems)",
            step.id());
        items = items.subList(0, rounds);
      }
      rounds = items.size();
    }
    return rounds == 0 ? position.next(false) : position.enter(rounds, items);
  }

  /**
   * A {@code break}: whether it holds (its {@code when}, read by the worker; always without one),
   * or null when the run ends here.
   */
  private Boolean control(SessionRef session, StepSpec step, StepSpec resolved) {
    if (step.when() == null) {
      beginStep();
      return true;
    }
    StepResult result = controlStep(session, step, resolved);
    return result == null ? null : !result.skipped();
  }

  /**
   * A loop's or a break's work on the worker: its {@code when}, and a selector's elements. Kept no
   * checkpoint (it changes nothing) and counts as no step. Null when the run ends here; a failure
   * of an optional one counts as skipped.
   */
  private StepResult controlStep(SessionRef session, StepSpec step, StepSpec resolved) {
    try {
      return browserStep(session, resolved, false, false, 0, 0);
    } catch (ActivityFailure f) {
      String code = userFacingCode(f);
      if (code != null && step.mayFail()) {
        return new StepResult(Map.of(), null, true);
      }
      if (code != null) {
        outcome = RunStatus.FAILED;
        error =
            new RunError(code, ((ApplicationFailure) f.getCause()).getOriginalMessage(), step.id());
        return null;
      }
      throw f;
    }
  }

  /** The run error code of a step's failure the run reports as such; null for any other. */
  private static String userFacingCode(ActivityFailure f) {
    if (!(f.getCause() instanceof ApplicationFailure af)) {
      return null;
    }
    return switch (String.valueOf(af.getType())) {
      case BrowserActivities.STEP_FAILED -> RunError.STEP_FAILED;
      case BrowserActivities.EGRESS_REFUSED -> RunError.EGRESS_REFUSED;
      case BrowserActivities.NAVIGATION_FAILED -> RunError.NAVIGATION_FAILED;
      case BrowserActivities.OUTPUT_TOO_LARGE -> RunError.OUTPUT_TOO_LARGE;
      default -> null;
    };
  }

  /**
   * Runs {@code resolved} on the session's worker: recorded as the run's progress first when the
   * workflow did not, named by its place in its loops, its state kept when {@code checkpoint}.
   */
  private StepResult browserStep(
      SessionRef session,
      StepSpec resolved,
      boolean closing,
      boolean keepState,
      int checkpointKey,
      long holdMillis) {
    boolean started = beginStep();
    RunState progress = state();
    if (!started && !leanSteps) {
      record.recordState(input.runId(), progress);
    }
    boolean recordHere = started || !leanSteps;
    int total = input.steps().size();
    String place = position.place(input.steps(), resolved.id());
    BrowserActivities browser =
        Workflow.newActivityStub(
            BrowserActivities.class,
            stepOptions.toBuilder()
                .setTaskQueue(session.taskQueue())
                .setSummary(
                    currentStep
                        + "/"
                        + total
                        + " "
                        + (place == null ? "" : place + " ")
                        + resolved.describe())
                .build());
    return browser.runStep(
        new StepRequest(
            session.sessionId(),
            input.runId(),
            currentStep,
            total,
            resolved,
            input.settings().defaultStepTimeoutMs(),
            input.settings().outputCap(),
            recordHere || progressUnchanged(progress) ? null : progress,
            closing,
            keepState,
            holdMillis,
            place,
            checkpointKey));
  }

  /**
   * Whether the run's row already shows {@code progress}: inside a loop, the step and status stay
   * the same round after round, and only the outputs change, which are recorded with each top-level
   * step and at the end; so nested steps write no row.
   */
  private boolean progressUnchanged(RunState progress) {
    boolean same = position.nested() && recordedStep == progress.currentStep();
    recordedStep = progress.currentStep();
    return same;
  }

  /**
   * Runs the step {@code step} (a leaf: no loop, no break) at the current position and moves past
   * it. False when the run ends here.
   */
  private boolean runLeaf(
      SessionRef session,
      StepSpec step,
      StepSpec resolved,
      Map<String, Object> produced,
      boolean firstAfterResume) {
    List<StepSpec> steps = input.steps();
    StepPosition after = position.next(true);
    boolean last = after.step(steps) == null && !after.nested();
    boolean waits = step.waitsForInput();
    // An input step's session lives on through its wait, and its page is kept even when last.
    boolean closing = leanSteps && last && !waits;
    // Inside a loop the step's state takes turns between two rows (Checkpoint.loopRow).
    int key = position.nested() ? Checkpoint.loopRow(currentStep, (int) (after.executed() % 2)) : 0;
    running = step;
    if (position.nested()) {
      executions++;
    }
    try {
      StepResult result =
          browserStep(
              session,
              resolved,
              closing,
              // After the last step nothing resumes: its state is kept only for the run's profile.
              checkpointing
                  && ((!last || waits) && !input.settings().restartsOnLoss()
                      || last && input.profile() != null),
              key,
              waits ? holdFor(resolved).toMillis() : 0);
      sessionClosed = closing;
      running = null;
      position = after;
      if (result.checkpoint() != null) {
        checkpoint = result.checkpoint();
        checkpointAt = after;
      }
      if (step.runsOnce()) {
        completedOnce.put(after.executed(), onceDone(step, currentStep));
      }
      if (result.outputs() != null) {
        if (step.appends()) {
          result
              .outputs()
              .forEach((name, value) -> produced.put(name, appended(produced.get(name), value)));
        } else {
          produced.putAll(result.outputs());
        }
      }
      if (waits && !result.skipped() && !awaitAnswer(session, resolved, last)) {
        return false;
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
        return false;
      }
      return true;
    } catch (ActivityFailure f) {
      String code = userFacingCode(f);
      if (code != null) {
        running = null; // It ended on its worker: not lost.
      }
      if (code != null && step.mayFail()) {
        // Optional: its worker logged the failure as a warning, and the run goes on.
        position = after;
        return true;
      }
      if (code != null) {
        String message = ((ApplicationFailure) f.getCause()).getOriginalMessage();
        if (resumedAfterLoss && firstAfterResume && !fellBack) {
          startOverOnce(step, message);
        }
        outcome = RunStatus.FAILED;
        error = new RunError(code, message, step.id());
        return false;
      }
      throw f;
    }
  }

  /**
   * Before the history grows past what Temporal keeps well (SPEC 11: a run may execute 10,000
   * steps), the run goes on as a new execution of its workflow, with its session, position,
   * checkpoint and outputs; the client sees the same run.
   */
  private void continueAsNewIfDue(SessionRef session) {
    WorkflowInfo info = Workflow.getInfo();
    // A cancellation (or the run's timeout) that came meanwhile is this execution's to carry out:
    // a new one would not have it.
    if ((info.getHistoryLength() >= input.settings().continueAsNewEvents()
            || info.isContinueAsNewSuggested())
        && !CancellationScope.current().isCancelRequested()) {
      continuing = true;
      throw new ContinueAsNew(session);
    }
  }

  /** Thrown out of the steps to go on as a new execution, on the same {@code session}. */
  private static final class ContinueAsNew extends RuntimeException {
    final SessionRef session;

    ContinueAsNew(SessionRef session) {
      super(null, null, false, false);
      this.session = session;
    }
  }

  /** What the next execution needs to go on where this one is, on {@code session}. */
  private RunInput.Continued carry(SessionRef session) {
    return new RunInput.Continued(
        session,
        sessionAttempt,
        position,
        checkpoint,
        checkpointAt,
        new LinkedHashMap<>(outputs),
        startedAt,
        runTimeLeftMillis,
        executions,
        new java.util.TreeMap<>(completedOnce),
        new LinkedHashMap<>(answers),
        resumesAfterWait,
        waitsBegun,
        fellBack,
        resumedAfterLoss);
  }

  /** Takes over where the execution this one continues stopped. */
  private void restore(RunInput.Continued c) {
    status = RunStatus.RUNNING;
    startedAt = c.startedAtMillis();
    outputs = new LinkedHashMap<>(c.outputs());
    checkpoint = c.checkpoint();
    checkpointAt = c.checkpointAt();
    position = c.position();
    currentStep = position.topIndex() + 1;
    recordedStep = currentStep;
    runTimeLeftMillis = c.runTimeLeftMillis();
    executions = c.executions();
    completedOnce.putAll(c.completedOnce());
    answers.putAll(c.answers());
    resumesAfterWait = c.resumesAfterWait();
    waitsBegun = c.waitsBegun();
    waitsRecorded = c.waitsBegun();
    fellBack = c.fellBack();
    resumedAfterLoss = c.resumedAfterLoss();
  }

  /**
   * An {@code append} output: the list so far (a single value before counts as a list of it) with
   * the new value, or the new list's items, at its end.
   */
  private static List<Object> appended(Object before, Object value) {
    List<Object> list = new java.util.ArrayList<>();
    if (before instanceof List<?> items) {
      list.addAll(items);
    } else if (before != null) {
      list.add(before);
    }
    if (value instanceof List<?> items) {
      list.addAll(items);
    } else {
      list.add(value);
    }
    return list;
  }

  /**
   * How long the session stays open for an input step's wait: the configured hold, or all of the
   * wait when the page cannot be kept (no checkpoints, or {@code resume: restart}).
   */
  private Duration holdFor(StepSpec step) {
    Duration wait = Duration.ofSeconds(step.inputTimeoutSeconds());
    if (!checkpointing || input.settings().restartsOnLoss()) {
      return wait;
    }
    Duration hold = input.settings().holdForInput();
    return hold.compareTo(wait) < 0 ? hold : wait;
  }

  /**
   * Waits for the answer to the input step {@code step} (SPEC 10): the run's row shows the wait,
   * endpoints that asked are told, the session stays open for {@link #holdFor}, then the page is
   * kept and the session closed. False when the run ends here (no answer, and the step says fail);
   * throws {@link ResumeAfterWait} when the answer came after the session closed and steps follow.
   */
  private boolean awaitAnswer(SessionRef session, StepSpec step, boolean last) {
    long began = Workflow.currentTimeMillis();
    long timeoutMillis = step.inputTimeoutSeconds() * 1000;
    waiting =
        new WaitingFor(
            step.id(), step.prompt(), step.fields(), began + timeoutMillis, ++waitsBegun);
    answer = null;
    answers.remove(step.id());
    stopRunTimer();
    boolean suspended = false;
    boolean answered;
    String ended = "cancelled";
    try {
      record.recordState(input.runId(), state());
      record.log(
          input.runId(),
          LogLevel.INFO,
          "Waiting for input at step "
              + currentStep
              + ": "
              + step.prompt()
              + " (fields: "
              + String.join(", ", step.fields().keySet())
              + "; until "
              + Instant.ofEpochMilli(waiting.expiresAtMillis())
              + ")",
          step.id());
      announceWait();
      Workflow.setCurrentDetails(waitDetails(step));
      Duration hold = holdFor(step);
      answered = Workflow.await(hold, () -> answer != null);
      if (!answered && hold.toMillis() < timeoutMillis) {
        suspended = suspend(session, step);
        answered =
            Workflow.await(
                Duration.ofMillis(
                    Math.max(0, began + timeoutMillis - Workflow.currentTimeMillis())),
                () -> answer != null);
      }
      ended = answered ? "answered" : "timed_out";
    } finally {
      WorkflowMetrics.inputWaitEnded(ended, Workflow.currentTimeMillis() - began);
      waiting = null;
      Workflow.setCurrentDetails("");
    }
    if (answered) {
      lastAnswer = answer;
      answers.put(step.id(), answer.values());
    } else if (step.continuesOnTimeout()) {
      answers.put(step.id(), Map.of());
    } else {
      outcome = RunStatus.FAILED;
      error =
          new RunError(
              RunError.INPUT_TIMEOUT,
              "No input for step " + step.id() + " within " + step.inputTimeoutSeconds() + " s",
              step.id());
      return false;
    }
    record.recordState(input.runId(), state());
    record.log(
        input.runId(),
        answered ? LogLevel.INFO : LogLevel.WARNING,
        answered
            ? "Input received for step "
                + step.id()
                + " (fields: "
                + String.join(", ", answer.values().keySet())
                + ")"
            : "No input for step "
                + step.id()
                + " within "
                + step.inputTimeoutSeconds()
                + " s; going on with empty values",
        step.id());
    waitsRecorded = waitsBegun;
    startRunTimer(
        "run timeout: the " + runTimeLeftMillis / 1000 + " s the run had left after its wait");
    if (suspended && !last) {
      throw new ResumeAfterWait();
    }
    return true;
  }

  /** What the Temporal UI shows as the workflow's current details while it waits. */
  private String waitDetails(StepSpec step) {
    StringBuilder fields = new StringBuilder();
    step.fields()
        .forEach(
            (name, field) ->
                fields.append("\n- ").append(name).append(" (").append(field.type()).append(")"));
    return "**Waiting for input** at step "
        + currentStep
        + "/"
        + input.steps().size()
        + " ("
        + step.id()
        + "), until "
        + Instant.ofEpochMilli(waiting.expiresAtMillis())
        + ":\n\n"
        + step.prompt()
        + "\n"
        + fields;
  }

  /**
   * The wait outlived the hold: the page is kept as the input step's checkpoint and the session
   * closed, which frees its slot. Whether it was; when its worker is gone, the checkpoint taken as
   * the wait began stands in. A session that could not be kept is held on.
   */
  private boolean suspend(SessionRef session, StepSpec step) {
    BrowserActivities browser =
        Workflow.newActivityStub(
            BrowserActivities.class,
            closeOptions.toBuilder()
                .setTaskQueue(session.taskQueue())
                .setSummary("keep the page, free the slot")
                .build());
    try {
      Checkpoint kept =
          browser.suspendSession(
              new SuspendRequest(session.sessionId(), input.runId(), currentStep, step.id()));
      if (kept == null) {
        return false;
      }
      checkpoint = kept;
    } catch (ActivityFailure f) {
      if (isCancellation(f) || checkpoint == null || checkpoint.step() != currentStep) {
        throw f;
      }
      record.log(
          input.runId(),
          LogLevel.WARNING,
          "The page could not be kept now ("
              + describe(f)
              + "); the run goes on from its state as the wait began",
          step.id());
      closeSession(session, true);
    }
    sessionClosed = true;
    return true;
  }

  private void startRunTimer(String summary) {
    long left = runTimeLeftMillis;
    runTimerStartedAt = Workflow.currentTimeMillis();
    runTimer =
        Workflow.newCancellationScope(
            () ->
                Workflow.newTimer(
                        Duration.ofMillis(left),
                        TimerOptions.newBuilder().setSummary(summary).build())
                    .thenApply(
                        fired -> {
                          timedOut = true;
                          work.cancel("run timeout");
                          return null;
                        }));
    runTimer.run();
  }

  private void stopRunTimer() {
    if (runTimer == null) {
      return; // The run has not begun its first step: its clock has not started.
    }
    runTimer.cancel();
    runTimeLeftMillis =
        Math.max(0, runTimeLeftMillis - (Workflow.currentTimeMillis() - runTimerStartedAt));
  }

  /**
   * Tells the endpoints that named {@code task-run.waiting} that the run waits; like {@link
   * #announce}, never fails the run.
   */
  private void announceWait() {
    try {
      webhooks.announceWait(input.runId(), waitsBegun);
    } catch (ActivityFailure f) {
      if (isCancellation(f)) {
        throw f;
      }
      Workflow.getLogger(RunWorkflowImpl.class)
          .error("Could not announce the wait of run {}: {}", input.runId(), f.getMessage());
    }
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
    if (nodeId != null) {
      return nodeId;
    }
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
