package dev.kestrel.activities.browser;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.kestrel.model.LogLevel;
import dev.kestrel.model.TraceMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run's browser context and page on a slot. The Playwright objects are touched only on the
 * slot's thread; the flags are read and written from the activity threads too.
 *
 * <p>What the browser says while a step runs (console messages, requests the egress proxy refused)
 * is kept here as notes, which the activity thread waiting for the step writes to the run's log
 * every few hundred milliseconds: a Playwright event handler or a proxy thread must never wait on
 * the store, and a page with thousands of requests must not become thousands of writes (a step
 * keeps {@link #MAX_NOTES} and counts the rest).
 */
public final class BrowserSession {
  private final String id;
  private final String runId;
  private final BrowserSlot slot;
  final BrowserContext context;

  /** The page the steps act on: the first one, or the tab a {@code popup} click went on in. */
  volatile Page page;

  private volatile boolean cancelRequested;
  private volatile boolean busy;
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile String currentNodeId;
  private volatile boolean claimed;
  private volatile String lastRefusal;

  /**
   * How the session opened, for the run's log: written with its first step, once the run is
   * RUNNING.
   */
  private final java.util.concurrent.atomic.AtomicReference<String> openedMessage =
      new java.util.concurrent.atomic.AtomicReference<>();

  /**
   * A live screenshot asked for and not yet taken; taken on the slot thread between a step's
   * slices.
   */
  private final java.util.concurrent.atomic.AtomicReference<
          java.util.concurrent.CompletableFuture<byte[]>>
      pendingCapture = new java.util.concurrent.atomic.AtomicReference<>();

  private volatile long lastCaptureMillis;

  /** Live screenshots taken during the current step, and the time they took from it. */
  private int stepCaptures;

  private long stepCaptureNanos;

  /** Notes kept per step; what comes beyond is counted, not kept. */
  static final int MAX_NOTES = 50;

  private final Queue<Note> notes = new ConcurrentLinkedQueue<>();
  private final AtomicInteger noteCount = new AtomicInteger();
  private final AtomicInteger notesDropped = new AtomicInteger();

  /**
   * The page's own requests that failed during the step (a missing favicon, an unreachable
   * tracker): counted with a few examples and said in one line at the step's end, so that they are
   * told apart from the run's own errors.
   */
  private final AtomicInteger pageRequestsFailed = new AtomicInteger();

  private final Queue<String> pageRequestExamples = new ConcurrentLinkedQueue<>();
  static final int PAGE_REQUEST_EXAMPLES = 3;

  /** A line for the run's log, gathered while a step ran. */
  record Note(LogLevel level, String message, String nodeId) {}

  /** How this session is traced, and its attempt's number (its trace's name). */
  private final TraceMode trace;

  private final int attempt;

  /** A step failed or was stopped: an {@code on-failure} trace is kept. */
  private volatile boolean failed;

  BrowserSession(
      String id,
      String runId,
      BrowserSlot slot,
      BrowserContext context,
      Page page,
      TraceMode trace,
      int attempt) {
    this.trace = trace == null ? TraceMode.OFF : trace;
    this.attempt = attempt;
    this.id = id;
    this.runId = runId;
    this.slot = slot;
    this.context = context;
    this.page = page;
  }

  public String id() {
    return id;
  }

  void openedWith(String message) {
    openedMessage.set(message);
  }

  /** The opening's log line, once; null after. */
  String takeOpenedMessage() {
    return openedMessage.getAndSet(null);
  }

  public String runId() {
    return runId;
  }

  TraceMode trace() {
    return trace;
  }

  int attempt() {
    return attempt;
  }

  void markFailed() {
    failed = true;
  }

  /** A secret input was typed into its page. */
  private volatile boolean typedSecret;

  void typedSecret() {
    typedSecret = true;
  }

  /** Whether a secret input was typed into its page: then its trace, which would hold it, goes. */
  boolean heldSecret() {
    return typedSecret;
  }

  /** Whether its trace, if it is recorded, is kept when it closes. */
  boolean keepsTrace() {
    return !typedSecret && (trace == TraceMode.ALWAYS || (trace == TraceMode.ON_FAILURE && failed));
  }

  public BrowserSlot slot() {
    return slot;
  }

  String currentNodeId() {
    return currentNodeId;
  }

  /**
   * Any thread, never blocks: keeps a line for the log, or counts it when the step has said enough.
   */
  void note(LogLevel level, String message) {
    if (noteCount.incrementAndGet() <= MAX_NOTES) {
      notes.add(new Note(level, message, currentNodeId));
    } else {
      notesDropped.incrementAndGet();
    }
  }

  /**
   * Playwright's dispatcher: one of the page's own requests failed or was answered with an error
   * status.
   */
  void pageRequestFailed(String what) {
    if (pageRequestsFailed.incrementAndGet() <= PAGE_REQUEST_EXAMPLES) {
      pageRequestExamples.add(what);
    }
  }

  /** A proxy thread: the egress policy refused one of this session's requests. */
  void refused(String request, String reason) {
    lastRefusal = reason;
    note(LogLevel.WARNING, "Egress refused " + request + ": " + reason);
  }

  /**
   * A proxy thread: the run's upstream proxy refused or failed a connection. The message names the
   * proxy, never its password.
   */
  void upstreamFailed(String message) {
    lastUpstreamFailure = message;
    note(LogLevel.WARNING, "Upstream " + message);
  }

  /** The upstream proxy the session's traffic goes through, as messages name it; or null. */
  volatile String upstream;

  /** What the upstream proxy last failed, or null. */
  String lastUpstreamFailure() {
    return lastUpstreamFailure;
  }

  private volatile String lastUpstreamFailure;

  /** Why the last refused request was refused, or null. */
  String lastRefusal() {
    return lastRefusal;
  }

  /**
   * The notes gathered since the last call; at the step's end ({@code stepEnded}) also a line
   * counting those the step did not keep.
   */
  List<Note> takeNotes(boolean stepEnded) {
    List<Note> taken = new ArrayList<>();
    for (Note n; (n = notes.poll()) != null; ) {
      taken.add(n);
    }
    if (stepEnded) {
      if (stepCaptures > 0) {
        // What watching cost the step: users (and the benchmark notes) read it here.
        taken.add(
            new Note(
                LogLevel.INFO,
                stepCaptures
                    + " live screenshots were taken during this step ("
                    + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(stepCaptureNanos)
                    + " ms)",
                currentNodeId));
      }
      int failedRequests = pageRequestsFailed.getAndSet(0);
      if (failedRequests > 0) {
        List<String> examples = new ArrayList<>();
        for (String e; (e = pageRequestExamples.poll()) != null; ) {
          examples.add(e);
        }
        int more = failedRequests - examples.size();
        taken.add(
            new Note(
                LogLevel.INFO,
                "Page: "
                    + failedRequests
                    + " of its own requests failed: "
                    + String.join("; ", examples)
                    + (more > 0 ? " and " + more + " more" : ""),
                currentNodeId));
      }
      int dropped = notesDropped.getAndSet(0);
      if (dropped > 0) {
        taken.add(
            new Note(
                LogLevel.WARNING,
                dropped + " more browser messages in this step were not logged",
                currentNodeId));
      }
    }
    return taken;
  }

  /** Any thread: asks for a screenshot of the page as it is; the one already asked for, if any. */
  java.util.concurrent.CompletableFuture<byte[]> requestCapture() {
    java.util.concurrent.CompletableFuture<byte[]> wanted =
        new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<byte[]> already =
        pendingCapture.compareAndExchange(null, wanted);
    return already != null ? already : wanted;
  }

  boolean capturePending() {
    return pendingCapture.get() != null;
  }

  long lastCaptureMillis() {
    return lastCaptureMillis;
  }

  /**
   * Slot thread: takes the screenshot asked for, if any (between two slices of a step, or idle).
   */
  void serviceCapture() {
    java.util.concurrent.CompletableFuture<byte[]> wanted = pendingCapture.getAndSet(null);
    if (wanted == null) {
      return;
    }
    lastCaptureMillis = System.currentTimeMillis();
    long began = System.nanoTime();
    try {
      wanted.complete(page.screenshot(new Page.ScreenshotOptions().setTimeout(5_000)));
    } catch (RuntimeException e) {
      wanted.completeExceptionally(e);
    } finally {
      stepCaptures++;
      stepCaptureNanos += System.nanoTime() - began;
    }
  }

  /**
   * Reads the page's origin and its sessionStorage, which Playwright's storage state leaves out.
   */
  private static final String SESSION_STORAGE =
      "() => { const items = {}; try { for (let i = 0; i < sessionStorage.length; i++) {"
          + " const k = sessionStorage.key(i); items[k] = sessionStorage.getItem(k); } } catch (e) {}"
          + " return {origin: location.origin, items: items}; }";

  /**
   * Slot thread: the browser's state now (cookies, every origin's localStorage and IndexedDB, the
   * page's origin's sessionStorage, its URL), for a checkpoint.
   */
  @SuppressWarnings("unchecked")
  BrowserState captureState() {
    String storage =
        context.storageState(new BrowserContext.StorageStateOptions().setIndexedDB(true));
    Map<String, Object> session = (Map<String, Object>) page.evaluate(SESSION_STORAGE);
    Map<String, String> items = new java.util.LinkedHashMap<>();
    ((Map<String, Object>) session.get("items")).forEach((k, v) -> items.put(k, String.valueOf(v)));
    return new BrowserState(page.url(), storage, String.valueOf(session.get("origin")), items);
  }

  /** Asks the step in progress to stop at its next check (every few hundred milliseconds). */
  public void requestCancel() {
    cancelRequested = true;
  }

  /** Slot thread: throws if the step was cancelled. */
  void checkCancelled() {
    if (cancelRequested) {
      throw new StepCancelledException();
    }
  }

  void beginStep(String nodeId) {
    claimed = true;
    lastRefusal = null;
    lastUpstreamFailure = null;
    noteCount.set(0);
    notesDropped.set(0);
    pageRequestsFailed.set(0);
    pageRequestExamples.clear();
    stepCaptures = 0;
    stepCaptureNanos = 0;
    cancelRequested = false;
    currentNodeId = nodeId;
    busy = true;
    lastUsedNanos = System.nanoTime();
  }

  void endStep() {
    busy = false;
    lastUsedNanos = System.nanoTime();
  }

  /** Until when (nanoTime) the session is held idle for an input step's wait; 0: not held. */
  private volatile long heldUntilNanos;

  /** Holds the session idle for {@code millis}: the reaper leaves it alone meanwhile. */
  void holdFor(long millis) {
    heldUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /**
   * Whether nobody wants this session any more: idle longer than {@code idleNanos} between steps,
   * or never used by any step for {@code unclaimedNanos} (its run was cancelled while it opened).
   */
  boolean abandoned(long idleNanos, long unclaimedNanos) {
    long now = System.nanoTime();
    long held = heldUntilNanos;
    if (held != 0 && now - held < 0) {
      return false;
    }
    // A hold that ended counts as the session's last use.
    long idle = now - (held != 0 && held - lastUsedNanos > 0 ? held : lastUsedNanos);
    return !busy && (idle > idleNanos || (!claimed && idle > unclaimedNanos));
  }

  /** Thrown on the slot thread when a step notices it was cancelled. */
  public static final class StepCancelledException extends RuntimeException {
    StepCancelledException() {
      super("step cancelled", null, false, false);
    }
  }
}
