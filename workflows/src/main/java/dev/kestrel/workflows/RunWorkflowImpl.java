package dev.kestrel.workflows;

import dev.kestrel.model.LogLevel;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
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

    work = Workflow.newCancellationScope(() -> executeWithSessions(sessions));
    runTimeLeftMillis = runTimeout.toMillis();
    startRunTimer("run timeout: " + in.timeoutSeconds() + " s, then the run fails");
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
        resumedAfterLoss =
            !resumingAfterWait && attempt > 1 && checkpoint != null && checkpoint.ofRun() == null;
        resumingAfterWait = false;
        runSteps(session, done);
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
        if (mayHaveBegun(f) && currentStepIsOnce()) {
          interrupted(
              "Step "
                  + named(currentStep)
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
      boolean waits = step.waitsForInput();
      // An input step's session lives on through its wait, and its page is kept even when last.
      boolean closing = leanSteps && last && !waits;
      StepSpec resolved = Templates.resolve(step, input.inputs(), produced, answers);
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
                    closing,
                    // After the last step nothing resumes: its state is not kept.
                    checkpointing && (!last || waits) && !input.settings().restartsOnLoss(),
                    waits ? holdFor(resolved).toMillis() : 0));
        sessionClosed = closing;
        if (result.checkpoint() != null) {
          checkpoint = result.checkpoint();
        }
        if (step.runsOnce()) {
          completedOnce.add(currentStep);
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
          return;
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
                case BrowserActivities.NAVIGATION_FAILED -> RunError.NAVIGATION_FAILED;
                case BrowserActivities.OUTPUT_TOO_LARGE -> RunError.OUTPUT_TOO_LARGE;
                default -> null;
              };
          if (code != null && step.mayFail()) {
            // Optional: its worker logged the failure as a warning, and the run goes on.
            continue;
          }
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
