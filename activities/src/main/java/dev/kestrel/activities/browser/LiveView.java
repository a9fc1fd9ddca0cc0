package dev.kestrel.activities.browser;

import dev.kestrel.store.ArtifactStore;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a fresh screenshot of each page someone watches ({@code GET /task-runs/{id}/screenshot}):
 * one query for all sessions of this worker asks the store which runs are watched, and each of
 * those gets at most one capture a second, taken on its slot's thread between two slices of the
 * step in progress (or at once when the slot is idle) and written to the run's artifacts as {@value
 * #FILE}, where the API reads it. Nothing goes through the workflow, so watching a long run does
 * not grow its history.
 */
public final class LiveView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveView.class);
  public static final String FILE = dev.kestrel.store.ArtifactStore.LIVE_VIEW;

  /** At most one capture per second per run. */
  static final long CAPTURE_EVERY_MS = 1_000;

  private static final long CHECK_EVERY_MS = 300;

  private final Supplier<Collection<BrowserSession>> sessions;
  private final BiFunction<Collection<String>, Long, Set<String>> watched;
  private final ArtifactStore artifacts;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "live-view");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param watched which of these runs are watched at this time (the store's answer)
   */
  LiveView(
      Supplier<Collection<BrowserSession>> sessions,
      BiFunction<Collection<String>, Long, Set<String>> watched,
      ArtifactStore artifacts) {
    this.sessions = sessions;
    this.watched = watched;
    this.artifacts = artifacts;
    executor.scheduleWithFixedDelay(
        this::captureWatched, CHECK_EVERY_MS, CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
  }

  private void captureWatched() {
    try {
      List<BrowserSession> open = List.copyOf(sessions.get());
      if (open.isEmpty()) {
        return;
      }
      long now = System.currentTimeMillis();
      Set<String> wanted = watched.apply(open.stream().map(BrowserSession::runId).toList(), now);
      for (BrowserSession session : open) {
        if (wanted.contains(session.runId())
            && !session.capturePending()
            && now - session.lastCaptureMillis() >= CAPTURE_EVERY_MS) {
          capture(session);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("Live view check failed; trying again", e);
    }
  }

  private void capture(BrowserSession session) {
    session
        .requestCapture()
        .thenAcceptAsync(png -> artifacts.replace(session.runId(), FILE, png), executor)
        .exceptionally(
            failure -> {
              LOG.debug(
                  "Live screenshot of run {} failed: {}", session.runId(), failure.toString());
              return null;
            });
    // Taken at once if the slot is idle; otherwise the step in progress takes it between slices.
    session
        .slot()
        .submit(
            () -> {
              session.serviceCapture();
              return null;
            });
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
