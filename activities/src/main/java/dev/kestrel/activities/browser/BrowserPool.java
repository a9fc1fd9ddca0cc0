package dev.kestrel.activities.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.Tracing;
import dev.kestrel.activities.egress.EgressProxy;
import dev.kestrel.model.LogLevel;
import dev.kestrel.model.TraceMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser slots of one worker and the sessions open on them. A session holds its slot from
 * {@link #open} until {@link #close}; sessions nobody used for a while are closed by a reaper, so a
 * workflow that vanished cannot hold a slot forever.
 */
public final class BrowserPool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrowserPool.class);

  private final BrowserSettings settings;
  private final EgressProxy proxy;
  private final String workerId;
  private final List<BrowserSlot> slots = new ArrayList<>();
  private final BlockingQueue<BrowserSlot> free;
  private final Map<String, BrowserSession> sessions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reaper;

  /** Closes the contexts of sessions whose last step has already answered. */
  private final java.util.concurrent.ExecutorService closing =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "browser-session-closing");
            t.setDaemon(true);
            return t;
          });

  /**
   * Whether a run's workflow is closed; asked of the engine about sessions no step has claimed yet.
   */
  private final Predicate<String> runHasEnded;

  private volatile boolean closed;

  private final LiveView liveView;
  private final dev.kestrel.store.ArtifactStore artifacts;

  /**
   * @param watchedLive of the given runs, those someone watches live at the given time (the store)
   */
  public BrowserPool(
      String workerId,
      BrowserSettings settings,
      Predicate<String> runHasEnded,
      java.util.function.BiFunction<java.util.Collection<String>, Long, java.util.Set<String>>
          watchedLive,
      dev.kestrel.store.ArtifactStore artifacts,
      MeterRegistry meters) {
    this.workerId = workerId;
    this.settings = settings;
    this.runHasEnded = runHasEnded;
    this.free = new ArrayBlockingQueue<>(settings.slots());
    this.proxy = new EgressProxy(settings.egress());
    Counter restarts =
        Counter.builder("kestrel.browser.restarts")
            .description("Chromium relaunched by a slot after it died or was killed")
            .register(meters);
    for (int i = 0; i < settings.slots(); i++) {
      BrowserSlot slot = new BrowserSlot(i, workerId, settings, proxy, restarts, meters);
      slots.add(slot);
      free.add(slot);
    }
    this.reaper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "browser-session-reaper-" + workerId);
              t.setDaemon(true);
              return t;
            });
    reaper.scheduleWithFixedDelay(this::reapIdleSessions, 2, 2, TimeUnit.SECONDS);
    this.liveView = new LiveView(sessions::values, watchedLive, artifacts);
    this.artifacts = artifacts;
  }

  public String workerId() {
    return workerId;
  }

  public BrowserSettings settings() {
    return settings;
  }

  /** Launches every slot's browser in the background, so that the first runs find them warm. */
  public void warmUp() {
    slots.forEach(slot -> slot.submit(slot::browser));
  }

  /** Takes a free slot, waiting up to {@code millis}; null if none became free. */
  public BrowserSlot tryAcquire(long millis) throws InterruptedException {
    if (closed) {
      return null;
    }
    return free.poll(millis, TimeUnit.MILLISECONDS);
  }

  public void release(BrowserSlot slot) {
    if (!free.contains(slot)) {
      free.offer(slot);
    }
  }

  /** Opens a fresh context and page for a run, traced as asked. Slot thread only. */
  BrowserSession openOnSlotThread(
      BrowserSlot slot, String runId, TraceMode trace, int attempt, BrowserState restore) {
    Browser browser = slot.browser();
    Browser.NewContextOptions options = new Browser.NewContextOptions();
    if (restore != null) {
      options.setStorageState(restore.storageState());
    }
    BrowserContext context = browser.newContext(options);
    BrowserSession session;
    try {
      // Before the trace starts: the restored state is a credential and stays out of it.
      if (restore != null && restore.hasSessionStorage()) {
        context.addInitScript(restore.sessionStorageScript());
      }
      if (trace != null && trace.records()) {
        context
            .tracing()
            .start(
                new Tracing.StartOptions()
                    .setScreenshots(true)
                    .setSnapshots(true)
                    .setTitle("run " + runId + ", session " + attempt));
      }
      Page page = context.newPage();
      session =
          new BrowserSession(
              UUID.randomUUID().toString(), runId, slot, context, page, trace, attempt);
      listen(session, page);
      if (restore != null && restore.url() != null && !restore.url().equals("about:blank")) {
        page.navigate(restore.url(), new Page.NavigateOptions().setTimeout(RESTORE_NAVIGATION_MS));
      }
      slot.hold(session);
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
    return session;
  }

  /**
   * Tells the session what its page says: console lines and its own requests that failed, as notes
   * of the step in progress. For the first page and for a tab a step goes on in ({@code popup}).
   */
  static void listen(BrowserSession s, Page page) {
    // Only a note: the handler runs inside Playwright's dispatcher and must neither block nor
    // call back into it.
    page.onConsoleMessage(
        msg -> {
          // Chromium's own line for a failed load duplicates the request counted below.
          if (!msg.text().startsWith("Failed to load resource")) {
            s.note(consoleLevel(msg.type()), "Page console " + msg.type() + ": " + msg.text());
          }
        });
    page.onRequestFailed(
        request -> {
          if (!isMainDocument(page, request)) {
            s.pageRequestFailed(
                request.method() + " " + request.url() + " (" + request.failure() + ")");
          }
        });
    page.onResponse(
        response -> {
          if (response.status() >= 400 && !isMainDocument(page, response.request())) {
            String egress =
                response.headers().get(EgressProxy.ERROR_HEADER.toLowerCase(java.util.Locale.ROOT));
            // A refusal is logged by the proxy's listener already, with its reason.
            if (!response
                .headers()
                .containsKey(EgressProxy.REFUSED_HEADER.toLowerCase(java.util.Locale.ROOT))) {
              s.pageRequestFailed(
                  response.status()
                      + " "
                      + response.request().method()
                      + " "
                      + response.url()
                      + (egress == null ? "" : " (" + egress + ")"));
            }
          }
        });
  }

  /** How long the page of a restored session may take to load again. */
  static final double RESTORE_NAVIGATION_MS = 30_000;

  /**
   * Opens a session on {@code slot}, which the caller acquired; {@code attempt} is the run's
   * session attempt.
   */
  public Future<BrowserSession> open(
      BrowserSlot slot, String runId, TraceMode trace, int attempt, BrowserState restore) {
    return slot.submit(
        () -> {
          BrowserSession session = openOnSlotThread(slot, runId, trace, attempt, restore);
          sessions.put(session.id(), session);
          return session;
        });
  }

  public BrowserSession session(String sessionId) {
    return sessions.get(sessionId);
  }

  /**
   * Closes the session's context and frees its slot. Idempotent. Returns what became of its trace,
   * a line for the run's log (null when it was not traced, or its trace is not kept).
   */
  public String close(String sessionId) {
    BrowserSession session = sessions.remove(sessionId);
    return session == null ? null : finishClosing(session);
  }

  /**
   * As {@link #close}, but the context is closed after this returns: for a run's last step, whose
   * answer need not wait for it. The session is gone from this pool at once; its slot takes the
   * next session only once the context is closed. Only for a session that records no trace, whose
   * closing has nothing to say to the run.
   */
  public void closeAfterReply(String sessionId) {
    BrowserSession session = sessions.remove(sessionId);
    if (session != null) {
      try {
        closing.execute(() -> finishClosing(session));
      } catch (java.util.concurrent.RejectedExecutionException poolClosed) {
        // The worker is stopping: its browsers, and this context with them, are being closed.
      }
    }
  }

  private String finishClosing(BrowserSession session) {
    String sessionId = session.id();
    session.requestCancel();
    session.slot().letGo(session);
    Future<String> closed =
        session
            .slot()
            .submit(
                () -> {
                  String trace = null;
                  try {
                    trace = stopTrace(session);
                    session.context.close();
                  } catch (PlaywrightException e) {
                    LOG.debug("Context of session {} was already gone", sessionId, e);
                  }
                  session.slot().recycleIfDue();
                  return trace;
                });
    try {
      return closed.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Closing session {} failed; killing the browser of its slot", sessionId, e);
      session.slot().forceStop();
      return null;
    } finally {
      // Its context is closed (or its browser killed): nothing of the run goes out any more, so
      // the slot's next session starts with no upstream but its own.
      session.slot().routeThrough(null);
      release(session.slot());
    }
  }

  /**
   * Ends a traced session's recording: dropped, or written to the run's files as {@code
   * trace-<attempt>.zip} when it is to be kept and fits under the run's cap. Slot thread only.
   */
  private String stopTrace(BrowserSession session) {
    if (!session.trace().records()) {
      return null;
    }
    if (!session.keepsTrace()) {
      session.context.tracing().stop();
      return session.heldSecret()
          ? "The Playwright trace of session "
              + session.attempt()
              + " is not kept: a secret input was typed in it, and a trace records what is typed"
          : null;
    }
    String name = "trace-" + session.attempt() + ".zip";
    Path pending = artifacts.newPending(session.runId(), name);
    try {
      session.context.tracing().stop(new Tracing.StopOptions().setPath(pending));
      long bytes = Files.size(pending);
      long others = artifacts.size(session.runId()) - bytes;
      if (others + bytes > settings.maxRunArtifactBytes()) {
        Files.deleteIfExists(pending);
        return "The Playwright trace of session "
            + session.attempt()
            + " ("
            + bytes
            + " bytes) was not kept: with it the run's files "
            + "would be over their limit of "
            + settings.maxRunArtifactBytes()
            + " bytes (artifacts.maxRunBytes)";
      }
      String url = artifacts.keep(session.runId(), name, pending);
      return "Playwright trace of session "
          + session.attempt()
          + ": "
          + url
          + " ("
          + bytes
          + " bytes; open it with "
          + "`playwright show-trace` or at trace.playwright.dev)";
    } catch (java.io.IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(pending);
      } catch (java.io.IOException ignored) {
        // A temporary file the retention sweep removes with the run's folder.
      }
      LOG.warn(
          "Could not keep the trace of session {} of run {}", session.id(), session.runId(), e);
      return null;
    }
  }

  public int openSessions() {
    return sessions.size();
  }

  /** Slots of this worker. */
  public int slots() {
    return slots.size();
  }

  /** Slots holding a session, or taken for one that is opening. */
  public int busySlots() {
    return slots.size() - free.size();
  }

  /** Browser contexts open in all slots, as the browsers themselves report them. */
  public int openContexts() {
    int total = 0;
    for (BrowserSlot slot : slots) {
      try {
        total += slot.submit(slot::openContexts).get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("slot " + slot.index() + " did not answer", e);
      }
    }
    return total;
  }

  /** Launches a browser if need be and opens and closes a page: the health check. */
  public void probe() throws Exception {
    BrowserSlot slot = tryAcquire(0);
    if (slot == null) {
      return; // Every slot is busy running a task, which is proof enough.
    }
    try {
      slot.submit(
              () -> {
                BrowserContext context = slot.browser().newContext();
                try {
                  context.newPage().setContent("<p>ok</p>");
                } finally {
                  context.close();
                }
                return null;
              })
          .get(60, TimeUnit.SECONDS);
    } finally {
      release(slot);
    }
  }

  /** A session no step has claimed this long after opening belongs to a run that was cancelled. */
  static final long UNCLAIMED_NANOS = TimeUnit.SECONDS.toNanos(30);

  /**
   * Unclaimed this long, the engine is asked whether the session's run is over: a run cancelled
   * while its session opened gives its slot back within seconds rather than after the 30 s bound.
   */
  static final long UNCLAIMED_CHECK_NANOS = TimeUnit.SECONDS.toNanos(2);

  private void reapIdleSessions() {
    long idle = settings.sessionIdleTimeout().toNanos();
    for (BrowserSession session : List.copyOf(sessions.values())) {
      if (session.abandoned(idle, UNCLAIMED_NANOS)) {
        LOG.warn("Closing session {} of run {}: abandoned", session.id(), session.runId());
        close(session.id());
      } else if (session.abandoned(idle, UNCLAIMED_CHECK_NANOS) && runEnded(session.runId())) {
        LOG.info(
            "Closing session {}: its run {} ended before using it", session.id(), session.runId());
        close(session.id());
      }
    }
  }

  private boolean runEnded(String runId) {
    try {
      return runHasEnded.test(runId);
    } catch (RuntimeException engineUnreachable) {
      return false; // The 30 s bound still applies.
    }
  }

  /**
   * The page's console is the page's business, never the run's error: an {@code error} entry in a
   * run's log is always the run's own.
   */
  private static LogLevel consoleLevel(String type) {
    return switch (type) {
      case "error", "warning" -> LogLevel.WARNING;
      default -> LogLevel.INFO;
    };
  }

  /** The main frame's document: the step that navigated says itself what became of it. */
  private static boolean isMainDocument(Page page, com.microsoft.playwright.Request request) {
    return request.isNavigationRequest() && request.frame() == page.mainFrame();
  }

  @Override
  public void close() {
    closed = true;
    reaper.shutdownNow();
    closing.shutdownNow();
    liveView.close();
    sessions.values().forEach(BrowserSession::requestCancel);
    sessions.clear();
    slots.parallelStream().forEach(BrowserSlot::close);
    proxy.close();
  }
}
