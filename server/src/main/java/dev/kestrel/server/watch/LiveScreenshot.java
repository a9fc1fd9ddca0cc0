package dev.kestrel.server.watch;

import dev.kestrel.model.RunStatus;
import dev.kestrel.server.core.Conflict;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.errors.ErrorMappers;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.records.Organization;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ConnectionCallback;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PNG of a RUNNING run's page as it is now; 409 when the run holds no page. The worker holding
 * the page captures it between two slices of the step in progress, at most once a second, into the
 * run's artifacts ({@link ArtifactStore#LIVE_VIEW}); readers within that second share the capture.
 * The wait holds no thread and counts as one of the organization's waiting requests.
 */
final class LiveScreenshot {
  /** How long a request for a live screenshot keeps the worker capturing. */
  private static final long LIVE_VIEW_MILLIS = 10_000;

  /**
   * A live screenshot this recent is served as it is, to every reader: at most one capture a
   * second.
   */
  private static final long FRESH_MILLIS = 1_000;

  private static final long WAIT_MILLIS = 5_000;
  private static final long CHECK_MILLIS = 100;

  private final RunService runs;
  private final RunWatch watches;
  private final Organization org;
  private final String runId;
  private final AsyncResponse response;
  private final Path file;
  private RunWatch.Watch watch;

  LiveScreenshot(
      RunService runs,
      RunWatch watches,
      ArtifactStore artifacts,
      Organization org,
      String runId,
      AsyncResponse response) {
    this.runs = runs;
    this.watches = watches;
    this.org = org;
    this.runId = runId;
    this.response = response;
    this.file = artifacts.resolve(runId, ArtifactStore.LIVE_VIEW);
  }

  void start() {
    if (!holdsPage()) {
      throw new Conflict("run_holds_no_page");
    }
    long asked = System.currentTimeMillis();
    if (modifiedSince(asked - FRESH_MILLIS)) {
      response.resume(png());
      return;
    }
    if (!runs.watchLive(org, runId, asked + LIVE_VIEW_MILLIS)) {
      throw new Conflict("run_holds_no_page");
    }
    watch =
        watches.watch(
            org,
            runId,
            () -> {
              if (!holdsPage()) {
                watch.close();
                response.resume(new Conflict("run_holds_no_page"));
              }
            });
    response.register((ConnectionCallback) gone -> watch.close());
    watch.every(
        CHECK_MILLIS,
        () -> {
          if (modifiedSince(asked - FRESH_MILLIS)) {
            watch.close();
            response.resume(png());
          }
        });
    watch.after(
        WAIT_MILLIS,
        () -> {
          watch.close();
          response.resume(
              Response.fromResponse(ErrorMappers.json(503, "live_view_unavailable"))
                  .header("Retry-After", "1")
                  .build());
        });
  }

  private boolean holdsPage() {
    return runs.find(org, runId).status() == RunStatus.RUNNING;
  }

  private boolean modifiedSince(long millis) {
    try {
      return file != null && Files.getLastModifiedTime(file).toMillis() >= millis;
    } catch (IOException notYet) {
      return false;
    }
  }

  private Response png() {
    try {
      return Response.ok(Files.readAllBytes(file), "image/png")
          .header("Cache-Control", "no-store")
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
