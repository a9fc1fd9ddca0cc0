package dev.kestrel.activities.browser;

import com.microsoft.playwright.PlaywrightException;
import dev.kestrel.activities.egress.EgressProxy;
import dev.kestrel.model.LogLevel;
import dev.kestrel.model.ProfileSpec;
import dev.kestrel.model.StepSpec;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.Checkpoints;
import dev.kestrel.store.JdbiRunRecorder;
import dev.kestrel.store.LogLine;
import dev.kestrel.store.Profiles;
import dev.kestrel.workflows.BrowserActivities;
import dev.kestrel.workflows.BrowserActivities.Checkpoint;
import dev.kestrel.workflows.OutputSizes;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.SealedText;
import dev.kestrel.workflows.UserFailures;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Browser activities of one worker. The activity thread never touches Playwright: it hands the work
 * to the slot's thread and heartbeats while it waits, which is how a cancellation (or the loss of
 * this worker) becomes visible.
 */
public class BrowserActivitiesImpl implements BrowserActivities {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(BrowserActivitiesImpl.class);
  private static final long HEARTBEAT_POLL_MS = 500;

  /** How often the thread waiting for a step writes what the browser said meanwhile to the log. */
  private static final long NOTES_FLUSH_MS = 200;

  private static final int MAX_MESSAGE = 2_000;

  /** What a step may take beyond its own timeout: keeping its state, writing its trace. */
  static final long HUNG_STEP_GRACE_MS = 15_000;

  private final BrowserPool pool;
  private final JdbiRunRecorder recorder;
  private final Checkpoints checkpoints;
  private final StepExecutor executor;
  private final String workerId;
  private final String taskQueue;
  private final MeterRegistry meters;

  /** What steps spend beside the browser's work: the store's writes, keeping their state. */
  private final Timer storeTime;

  private final Timer checkpointTime;

  private final SealedInputs sealed;

  public BrowserActivitiesImpl(
      BrowserPool pool,
      JdbiRunRecorder recorder,
      ArtifactStore artifacts,
      Checkpoints checkpoints,
      SealedInputs sealed,
      String workerId,
      String taskQueue,
      MeterRegistry meters) {
    this.pool = pool;
    this.checkpoints = checkpoints;
    this.sealed = sealed;
    this.meters = meters;
    this.storeTime =
        Timer.builder("kestrel.step.store")
            .description("A step's writes to the store: its progress, log lines and checkpoint")
            .register(meters);
    this.checkpointTime =
        Timer.builder("kestrel.step.checkpoint")
            .description("Reading and sealing the browser's state after a step")
            .register(meters);
    this.recorder = recorder;
    this.executor =
        new StepExecutor(
            pool.settings().egress(), artifacts, sealed, pool.settings().maxRunArtifactBytes());
    this.workerId = workerId;
    this.taskQueue = taskQueue;
  }

  @Override
  public SessionRef openSession(OpenSessionRequest request) {
    return guarded(request.runId(), () -> open(request));
  }

  private SessionRef open(OpenSessionRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    long began = System.nanoTime();
    Checkpoint restoring = request.restore();
    RunInput.ProfileUse profile = restoring == null ? request.profile() : null;
    BrowserState restore =
        restoring != null
            ? restoreState(request.runId(), restoring)
            : profile != null ? profileState(profile) : null;
    // The run's upstream proxy, opened before a slot is taken: a proxy gone fails the run at once.
    EgressProxy.Upstream upstream;
    try {
      upstream = request.proxy() == null ? null : sealed.upstream(request.proxy());
    } catch (StepFailedException e) {
      throw UserFailures.of(e.getMessage(), STEP_FAILED);
    }
    BrowserSlot slot = acquireSlot(ctx);
    slot.routeThrough(upstream);
    long slotFree = System.nanoTime();
    Future<BrowserSession> opening =
        pool.open(slot, request.runId(), request.trace(), request.attempt(), restore);
    BrowserSession session;
    try {
      session = await(ctx, opening, null, null);
    } catch (PlaywrightException e) {
      releaseWhenOpened(slot, opening);
      if (restoring == null) {
        throw retrying(request, ctx, e);
      }
      // Its page did not load again (gone, or refused now): the run starts over instead.
      throw ApplicationFailure.newNonRetryableFailure(
          "its page did not load again: " + firstLine(e), CHECKPOINT_UNAVAILABLE);
    } catch (RuntimeException e) {
      releaseWhenOpened(slot, opening);
      throw retrying(request, ctx, e);
    }
    session.upstream = upstream == null ? null : upstream.toString();
    String checked = "";
    if (profile != null && profile.spec().check() != null) {
      checked = checkLogin(ctx, session, profile);
    }
    // Logged with the first step: the run is not RUNNING before the workflow has this answer.
    session.openedWith(
        "Browser session opened on worker "
            + workerId
            + ", slot "
            + slot.index()
            + " (slot free after "
            + TimeUnit.NANOSECONDS.toMillis(slotFree - began)
            + " ms, page ready in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - slotFree)
            + " ms)"
            + (restoring == null
                ? ""
                : restoring.row() < 0
                    ? "; resumed inside the loop of step "
                        + restoring.step()
                        + ", from the checkpoint of its last completed step"
                    : "; resumed at step "
                        + (restoring.step() + 1)
                        + " from the checkpoint of step "
                        + restoring.step())
            + (profile == null
                ? ""
                : profile.version() == 0
                    ? "; profile '" + profile.name() + "' has no state yet"
                    : "; from profile '" + profile.name() + "' version " + profile.version())
            + checked
            + (upstream == null ? "" : "; through " + upstream)
            + (request.attempt() > 1 ? " (session attempt " + request.attempt() + ")" : ""));
    return new SessionRef(session.id(), taskQueue, workerId);
  }

  /** How long a profile's check waits for its element once its page has loaded. */
  static final long PROFILE_CHECK_MS = 10_000;

  /** The state of the version a run starts from; none before a profile's first save. */
  private BrowserState profileState(RunInput.ProfileUse profile) {
    if (profile.version() == 0) {
      return null;
    }
    try {
      return BrowserState.fromBytes(
          BrowserState.withoutPage(sealed.profile(profile.profileId(), profile.version())));
    } catch (Profiles.ProfileUnavailable | java.io.UncheckedIOException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Profile '" + profile.name() + "': " + e.getMessage(), PROFILE_EXPIRED);
    }
  }

  /**
   * Verifies the profile's login before step 1 (SPEC 12): its check page shows its element. When it
   * does not, the session is closed and the run fails with {@code profile_expired}, naming the page
   * and the element, never the state.
   */
  private String checkLogin(
      ActivityExecutionContext ctx, BrowserSession session, RunInput.ProfileUse profile) {
    ProfileSpec.Check check = profile.spec().check();
    String failure;
    try {
      failure =
          await(
              ctx,
              session
                  .slot()
                  .submit(
                      () -> {
                        com.microsoft.playwright.Response response =
                            session.page.navigate(
                                check.url(),
                                new com.microsoft.playwright.Page.NavigateOptions()
                                    .setTimeout(BrowserPool.RESTORE_NAVIGATION_MS));
                        if (response != null && response.status() >= 400) {
                          return "its check page answered HTTP " + response.status();
                        }
                        try {
                          session
                              .page
                              .locator(check.selector())
                              .first()
                              .waitFor(
                                  new com.microsoft.playwright.Locator.WaitForOptions()
                                      .setTimeout(PROFILE_CHECK_MS));
                          return null;
                        } catch (com.microsoft.playwright.TimeoutError e) {
                          return "'" + check.selector() + "' did not appear on " + check.url();
                        }
                      }),
              session,
              null);
    } catch (PlaywrightException e) {
      failure = "its check page did not load: " + firstLine(e);
    }
    if (failure != null) {
      pool.close(session.id());
      throw ApplicationFailure.newNonRetryableFailure(
          "Profile '"
              + profile.name()
              + "' (version "
              + profile.version()
              + ") failed its login check: "
              + failure,
          PROFILE_EXPIRED);
    }
    return "; login checked on " + check.url();
  }

  /** The state a session resumes from; a checkpoint that cannot be had makes the run start over. */
  private BrowserState restoreState(String runId, Checkpoint checkpoint) {
    try {
      return BrowserState.fromBytes(
          checkpoints.restore(
              checkpoint.ofRun() != null ? checkpoint.ofRun() : runId,
              checkpoint.row(),
              checkpoint.digest()));
    } catch (Checkpoints.CheckpointUnavailable | java.io.UncheckedIOException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), CHECKPOINT_UNAVAILABLE);
    }
  }

  /**
   * A session that did not open is tried again (by Temporal, maybe elsewhere); the run's log says
   * why, on the first attempts (a browser that cannot start is otherwise invisible to the client).
   */
  private RuntimeException retrying(
      OpenSessionRequest request, ActivityExecutionContext ctx, RuntimeException e) {
    if (!(e instanceof ActivityCompletionException)
        && request.failAfterMillis() > 0
        && System.currentTimeMillis() > request.failAfterMillis()) {
      return ApplicationFailure.newNonRetryableFailure(
          "No browser session could be opened within the run's timeout (worker "
              + workerId
              + ": "
              + firstLine(e)
              + ")",
          SESSION_UNAVAILABLE);
    }
    if (!(e instanceof ActivityCompletionException) && ctx.getInfo().getAttempt() <= 3) {
      log(
          request.runId(),
          LogLevel.WARNING,
          "Could not open a browser session on worker "
              + workerId
              + ": "
              + firstLine(e)
              + "; retrying",
          null);
    }
    return e;
  }

  /**
   * After a failed or cancelled opening: close the session should it still come up, else free the
   * slot.
   */
  private void releaseWhenOpened(BrowserSlot slot, Future<BrowserSession> opening) {
    BrowserSession late;
    try {
      late = opening.get(30, TimeUnit.SECONDS);
    } catch (Exception notOpened) {
      pool.release(slot);
      return;
    }
    pool.close(late.id());
  }

  private BrowserSlot acquireSlot(ActivityExecutionContext ctx) {
    long deadline = System.nanoTime() + pool.settings().slotWait().toNanos();
    try {
      while (System.nanoTime() < deadline) {
        BrowserSlot slot = pool.tryAcquire(HEARTBEAT_POLL_MS);
        if (slot != null) {
          return slot;
        }
        ctx.heartbeat("waiting for a browser slot");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure("worker " + workerId + " is shutting down", NO_FREE_SLOT);
    }
    // Retried by Temporal, possibly on another worker with a free slot. Benign: this is how a run
    // waits its turn, so the SDK logs it at DEBUG, not as a warning with a stack trace per retry
    // (a busy worker's log grew by megabytes an hour of them in the soak).
    throw ApplicationFailure.newBuilder()
        .setMessage("no free browser slot on worker " + workerId)
        .setType(NO_FREE_SLOT)
        .setCategory(ApplicationErrorCategory.BENIGN)
        .build();
  }

  @Override
  public StepResult runStep(StepRequest request) {
    return guarded(request.runId(), () -> step(request));
  }

  /** Runs an activity's work; what it did not expect becomes {@link #internal}. */
  private <T> T guarded(String runId, java.util.function.Supplier<T> work) {
    try {
      return work.get();
    } catch (ApplicationFailure | ActivityCompletionException expected) {
      throw expected;
    } catch (RuntimeException e) {
      throw internal(runId, e);
    }
  }

  /**
   * A fault of ours (not of the page or the task): the detail goes to this worker's log under a
   * reference, the run gets the reference and a sentence, never an exception's class or SQL.
   */
  private ApplicationFailure internal(String runId, RuntimeException e) {
    String reference = java.util.UUID.randomUUID().toString().substring(0, 8);
    LOG.error("Internal error {} in run {} on worker {}", reference, runId, workerId, e);
    return ApplicationFailure.newFailure(
        "an internal error on worker " + workerId + " (reference " + reference + " in its log)",
        INTERNAL_ERROR);
  }

  /** Best effort: a log line that cannot be written (the store is down) must not fail the step. */
  private void log(String runId, LogLevel level, String message, String nodeId) {
    log(runId, List.of(new LogLine(level, message, nodeId)));
  }

  private void log(String runId, List<LogLine> lines) {
    try {
      recorder.log(runId, lines);
    } catch (RuntimeException e) {
      LOG.warn("Could not write {} log line(s) of run {}: {}", lines.size(), runId, e.toString());
    }
  }

  private StepResult step(StepRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    BrowserSession session = pool.session(request.sessionId());
    if (session == null) {
      throw ApplicationFailure.newFailure(
          "session " + request.sessionId() + " is not held by worker " + workerId, SESSION_LOST);
    }
    StepSpec step = request.step();
    String label =
        "Step "
            + request.stepNumber()
            + "/"
            + request.stepsTotal()
            + " "
            + (request.place() == null ? "" : request.place() + " ")
            + step.describe()
            // A secret is typed unseen: the log shows that it is, and never what.
            + (SealedText.holdsSecret(step.value())
                ? " with " + SealedText.masked(step.value())
                : "");
    StepLog log = new StepLog(recorder, storeTime, request.runId(), label, request.progress());
    String opened = session.takeOpenedMessage();
    if (opened != null) {
      log.begin(new LogLine(LogLevel.INFO, opened, null));
    }
    log.begin(new LogLine(LogLevel.INFO, label, step.id()));
    long started = System.nanoTime();
    Future<StepDone> work =
        session
            .slot()
            .submit(
                () -> {
                  session.beginStep(step.id());
                  try {
                    boolean skipped =
                        step.when() != null && !StepExecutor.holds(session, step.when());
                    Map<String, Object> produced =
                        skipped ? Map.of() : attempts(session, request, label);
                    if (!request.checkpoint()) {
                      return new StepDone(produced, null, 0, skipped);
                    }
                    // The state as the step left it, read on the slot thread while nothing else
                    // runs.
                    long capturing = System.nanoTime();
                    BrowserState captured = capture(session);
                    return new StepDone(produced, captured, System.nanoTime() - capturing, skipped);
                  } finally {
                    session.endStep();
                  }
                });
    Map<String, Object> outputs;
    BrowserState state;
    long captureNanos;
    boolean skipped;
    try {
      StepDone done = await(ctx, work, session, log, hungAfterMillis(request));
      outputs = done.outputs();
      state = done.state();
      captureNanos = done.captureNanos();
      skipped = done.skipped();
    } catch (StepFailedException e) {
      stepTook(step, started, "failed");
      session.markFailed();
      endWithNotes(log, session, List.of(failed(step, label, e.getMessage())), null);
      throw UserFailures.of(e.getMessage(), e.failureType());
    } catch (PlaywrightException e) {
      stepTook(step, started, "failed");
      session.markFailed();
      if (!session.slot().isHealthy()) {
        endWithNotes(log, session, List.of(), null);
        throw ApplicationFailure.newFailure("browser crashed: " + firstLine(e), SESSION_LOST);
      }
      String message = step.describe() + " failed: " + firstLine(e);
      endWithNotes(log, session, List.of(failed(step, label, firstLine(e))), null);
      throw UserFailures.of(message, STEP_FAILED);
    } catch (RuntimeException e) {
      endWithNotes(log, session, List.of(), null); // Cancelled or lost: what it said so far.
      throw e;
    }
    // The step's own work; keeping its state is timed apart (kestrel.step.checkpoint).
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started - captureNanos);
    stepTook(step, started + captureNanos, "completed");
    long cap =
        request.maxOutputBytes() > 0
            ? request.maxOutputBytes()
            : RunInput.ExecutionSettings.DEFAULT_MAX_OUTPUT_BYTES;
    String oversized = OutputSizes.over(outputs, cap);
    if (oversized != null) {
      // Never shipped to the engine: a payload this size would only fail there, less clearly.
      String message =
          step.describe()
              + " failed: output '"
              + oversized
              + "' is "
              + OutputSizes.of(outputs.get(oversized))
              + " bytes, over the limit of "
              + cap;
      session.markFailed();
      endWithNotes(log, session, List.of(failed(step, label, message)), null);
      throw UserFailures.of(message, OUTPUT_TOO_LARGE);
    }
    List<LogLine> last = new java.util.ArrayList<>(2);
    long sealing = System.nanoTime();
    Checkpoints.Sealed sealed = state == null ? null : seal(request, state, last);
    if (state != null) {
      checkpointTime.record(captureNanos + System.nanoTime() - sealing, TimeUnit.NANOSECONDS);
    }
    last.add(
        new LogLine(
            LogLevel.INFO,
            skipped
                ? label + " skipped: " + step.when().describe() + " does not hold"
                : label
                    + " done in "
                    + millis
                    + " ms"
                    + (outputs.isEmpty() ? "" : "; outputs " + outputs.keySet()),
            step.id()));
    boolean kept = endWithNotes(log, session, last, sealed);
    Checkpoint checkpoint =
        kept
            ? new Checkpoint(
                request.stepNumber(),
                sealed.digest(),
                null,
                request.checkpointKey() != 0 ? request.checkpointKey() : null)
            : null;
    if (request.holdMillis() > 0) {
      // An input step: the wait that follows leaves the session idle, and it is not abandoned.
      session.holdFor(request.holdMillis());
    }
    if (request.closeSession()) {
      // The run's last step: no closing activity follows. A trace's fate goes to the run's log
      // before the run ends; without one, the run need not wait for the context to close.
      if (session.trace().records()) {
        closeAndSay(request.sessionId());
      } else {
        pool.closeAfterReply(request.sessionId());
      }
    }
    return new StepResult(outputs, checkpoint, skipped);
  }

  /**
   * What a step's slot work gives back: its outputs, and the browser's state after it (or null)
   * with the time taking it took; whether its {@code when} skipped it.
   */
  private record StepDone(
      Map<String, Object> outputs, BrowserState state, long captureNanos, boolean skipped) {}

  /**
   * Slot thread: the step, tried again after a failure as its {@code retries} say; each failed
   * attempt but the last is a warning in the log. An egress refusal, a cancellation or a browser
   * that crashed is not tried again.
   */
  private Map<String, Object> attempts(BrowserSession session, StepRequest request, String label) {
    StepSpec step = request.step();
    int attempts = step.attempts();
    for (int n = 1; ; n++) {
      try {
        return executor.execute(session, request.runId(), step, request.defaultTimeoutMs());
      } catch (StepFailedException | PlaywrightException e) {
        boolean again =
            n < attempts
                && (e instanceof StepFailedException failed
                    ? failed.retryable()
                    : session.slot().isHealthy());
        if (!again) {
          throw e;
        }
        long delay = step.retries().delay();
        session.note(
            LogLevel.WARNING,
            label
                + " failed (attempt "
                + n
                + " of "
                + attempts
                + "): "
                + firstLine(e)
                + "; trying again in "
                + delay
                + " ms");
        StepExecutor.pause(session, delay);
      }
    }
  }

  /**
   * How long a step may hold its slot before its page counts as hung: each attempt's timeout (or
   * its pause, when longer), the delays between attempts, and {@link #HUNG_STEP_GRACE_MS}.
   * Playwright bounds what a step asks of the page, but not all that a step does: keeping its state
   * evaluates a script in the page, and a page whose main thread never yields would otherwise hold
   * the slot until the run's timeout (the soak's busy-loop page did, for minutes).
   */
  static long hungAfterMillis(StepRequest request) {
    StepSpec step = request.step();
    long timeout = step.timeoutMs() != null ? step.timeoutMs() : request.defaultTimeoutMs();
    long perAttempt =
        Math.max(
            Math.max(timeout, StepExecutor.ASSERT_TIMEOUT_MS), step.ms() != null ? step.ms() : 0);
    int attempts = step.attempts();
    long delays = attempts > 1 ? step.retries().delay() * (attempts - 1) : 0;
    return perAttempt * attempts + delays + HUNG_STEP_GRACE_MS;
  }

  /** A step's failure as its log says it: an error, or a warning when the step is optional. */
  private static LogLine failed(StepSpec step, String label, String why) {
    return step.mayFail()
        ? new LogLine(
            LogLevel.WARNING, label + " failed (optional, the run goes on): " + why, step.id())
        : new LogLine(LogLevel.ERROR, label + " failed: " + why, step.id());
  }

  /** Slot thread: the browser's state, or null (and a note) when the page cannot give it now. */
  private static BrowserState capture(BrowserSession session) {
    try {
      return session.captureState();
    } catch (PlaywrightException e) {
      session.note(
          LogLevel.WARNING,
          "The browser's state could not be kept after this step: " + firstLine(e));
      return null;
    }
  }

  /**
   * Seals the state after the step; null when it is over the cap (a line added to {@code said} says
   * the run cannot resume past this step).
   */
  private Checkpoints.Sealed seal(StepRequest request, BrowserState state, List<LogLine> said) {
    byte[] bytes = state.toBytes();
    if (bytes.length > checkpoints.maxBytes()) {
      said.add(
          new LogLine(
              LogLevel.WARNING,
              "The browser's state after step "
                  + request.stepNumber()
                  + " is "
                  + bytes.length
                  + " bytes, over the limit of "
                  + checkpoints.maxBytes()
                  + ": were its session lost later, this run could not resume past step "
                  + request.stepNumber(),
              request.step().id()));
      return null;
    }
    return checkpoints.seal(request.runId(), request.stateKey(), bytes);
  }

  /**
   * The step's duration by action and outcome; a step cancelled or lost on the way is not counted.
   */
  private void stepTook(StepSpec step, long startedNanos, String outcome) {
    // startedNanos is moved on by the time keeping the state took: that is not the browser's work.
    Timer.builder("kestrel.step.duration")
        .description("Browser time of a task step, by action and outcome")
        .tag("action", step.action().wireName())
        .tag("outcome", outcome)
        .register(meters)
        .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Ends the step's log: what the browser said since the last flush, then {@code last}, with {@code
   * sealed} in the same transaction; whether the state was kept.
   */
  private static boolean endWithNotes(
      StepLog log, BrowserSession session, List<LogLine> last, Checkpoints.Sealed sealed) {
    List<LogLine> lines = notes(session, true);
    lines.addAll(last);
    return log.end(lines, sealed);
  }

  private static List<LogLine> notes(BrowserSession session, boolean stepEnded) {
    List<LogLine> lines = new java.util.ArrayList<>();
    for (BrowserSession.Note note : session.takeNotes(stepEnded)) {
      lines.add(new LogLine(note.level(), note.message(), note.nodeId()));
    }
    return lines;
  }

  @Override
  public void closeSession(String sessionId) {
    closeAndSay(sessionId);
  }

  @Override
  public Checkpoint suspendSession(SuspendRequest request) {
    return guarded(request.runId(), () -> suspend(request));
  }

  /**
   * Keeps the waiting page's state as the input step's checkpoint, then closes the session: its
   * slot is free for other runs until the answer comes.
   */
  private Checkpoint suspend(SuspendRequest request) {
    BrowserSession session = pool.session(request.sessionId());
    if (session == null) {
      throw ApplicationFailure.newFailure(
          "session " + request.sessionId() + " is not held by worker " + workerId, SESSION_LOST);
    }
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    BrowserState state;
    try {
      state = await(ctx, session.slot().submit(() -> capture(session)), null, null);
    } catch (PlaywrightException e) {
      state = null;
    }
    List<LogLine> lines = notes(session, true);
    Checkpoints.Sealed sealed = null;
    if (state != null) {
      byte[] bytes = state.toBytes();
      if (bytes.length <= checkpoints.maxBytes()) {
        sealed = checkpoints.seal(request.runId(), request.step(), bytes);
      }
    }
    if (sealed == null || !recorder.stepEnds(request.runId(), null, lines, sealed)) {
      log(
          request.runId(),
          LogLevel.WARNING,
          "The waiting page's state could not be kept: its browser session stays open for the wait",
          request.nodeId());
      return null;
    }
    closeAndSay(request.sessionId());
    log(
        request.runId(),
        LogLevel.INFO,
        "Still waiting for input: the page is kept as the checkpoint of step "
            + request.step()
            + " and its browser slot on worker "
            + workerId
            + " is free; the run resumes from it when the input comes",
        request.nodeId());
    return new Checkpoint(request.step(), sealed.digest());
  }

  /** Closes the session; what became of its trace goes to the run's log. */
  private void closeAndSay(String sessionId) {
    BrowserSession session = pool.session(sessionId);
    String trace = pool.close(sessionId);
    if (session != null && trace != null) {
      log(session.runId(), LogLevel.INFO, trace, null);
    }
  }

  /**
   * Waits for slot work while heartbeating. On cancellation the step is asked to stop, and its
   * browser is killed if it does not stop within the grace period; either way this returns only
   * once the slot thread has let go of the page.
   */
  private <T> T await(
      ActivityExecutionContext ctx, Future<T> work, BrowserSession session, StepLog log) {
    return await(ctx, work, session, log, 0);
  }

  /**
   * Waits for {@code work} on the slot thread, heartbeating. With {@code hungAfterMillis} above
   * zero, work still going after that long is a page that stopped answering: its browser is stopped
   * and the step fails.
   */
  private <T> T await(
      ActivityExecutionContext ctx,
      Future<T> work,
      BrowserSession session,
      StepLog log,
      long hungAfterMillis) {
    long began = System.nanoTime();
    while (true) {
      try {
        return work.get(
            session == null ? HEARTBEAT_POLL_MS : NOTES_FLUSH_MS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillRunning) {
        if (hungAfterMillis > 0
            && System.nanoTime() - began > TimeUnit.MILLISECONDS.toNanos(hungAfterMillis)) {
          stop(work, session);
          throw new StepFailedException(
              "the page stopped answering: the step did not end within "
                  + hungAfterMillis / 1000
                  + " s, its timeout and a grace to keep its state (a script that never gives"
                  + " the page's main thread back?); its browser was stopped");
        }
        // Live: a step's lines are readable while it runs, and its heartbeat carries the latest.
        Object details = log == null ? "opening" : log.flush(notes(session, false));
        try {
          ctx.heartbeat(details);
        } catch (ActivityCompletionException cancelled) {
          stop(work, session);
          throw cancelled;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop(work, session);
        throw ApplicationFailure.newFailure(
            "worker " + workerId + " is shutting down", SESSION_LOST);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof BrowserSession.StepCancelledException) {
          throw ApplicationFailure.newFailure(
              "step was cancelled on worker " + workerId, SESSION_LOST);
        }
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        throw new IllegalStateException(cause);
      }
    }
  }

  private void stop(Future<?> work, BrowserSession session) {
    if (session == null) {
      return;
    }
    // Stopped mid-step (the run's timeout, a cancellation): what the page was doing is worth a
    // trace.
    session.markFailed();
    session.requestCancel();
    try {
      work.get(pool.settings().cancelGrace().toMillis(), TimeUnit.MILLISECONDS);
      return;
    } catch (TimeoutException e) {
      session.slot().forceStop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      session.slot().forceStop();
    } catch (ExecutionException expected) {
      return;
    }
    try {
      work.get(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // The browser is gone; the slot relaunches it for the next session.
    }
  }

  /**
   * The message worth showing a user: its first line, or, for Playwright's multi-line {@code Error
   * { message='...' ... }} form, the first line of the message inside it.
   */
  static String firstLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int inner = message.indexOf("message='");
    if (message.startsWith("Error {") && inner >= 0) {
      message = message.substring(inner + "message='".length());
    }
    int newline = message.indexOf('\n');
    String line = (newline < 0 ? message : message.substring(0, newline)).strip();
    return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) : line;
  }
}
