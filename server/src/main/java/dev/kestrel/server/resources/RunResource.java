package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.server.core.Problems;
import dev.kestrel.server.core.RunService;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.records.Organization;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.Envelopes.RunBody;
import dev.kestrel.model.api.Envelopes.RunLogs;
import dev.kestrel.model.api.Envelopes.RunPage;
import dev.kestrel.model.api.LogEntry;
import io.dropwizard.auth.Auth;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.core.RunWatch;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.server.ChunkedOutput;
import dev.kestrel.activities.browser.LiveView;
import dev.kestrel.server.core.Conflict;
import dev.kestrel.server.errors.ErrorMappers;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ConnectionCallback;
import jakarta.ws.rs.container.Suspended;
import java.util.concurrent.atomic.AtomicReference;

import java.util.List;

/** A run: read it, its logs and artifacts, cancel it (SPEC 4 and 5). */
@Path("/public/v1/task-runs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class RunResource {
  private static final int MAX_WAIT_SECONDS = 60;

  private static final long HEARTBEAT_MILLIS = 15_000;
  /** A stream ends after a day at most (a run's longest timeout); the client reconnects with Last-Event-ID. */
  private static final long MAX_STREAM_MILLIS = TimeUnit.HOURS.toMillis(24);

  private final RunService runs;
  private final RunWatch watches;
  private final ArtifactStore artifacts;
  private final ObjectMapper mapper;

  public RunResource(RunService runs, RunWatch watches, ArtifactStore artifacts, ObjectMapper mapper) {
    this.runs = runs;
    this.watches = watches;
    this.artifacts = artifacts;
    this.mapper = mapper;
  }

  /** Extension: the organization's runs, newest first, cursor-paginated. */
  @GET
  public RunPage list(
      @Auth Organization org,
      @QueryParam("status") String status,
      @QueryParam("taskId") String taskId,
      @QueryParam("limit") String limit,
      @QueryParam("cursor") String cursor) {
    RunStatus wanted = null;
    if (status != null && !status.isEmpty()) {
      try {
        wanted = RunStatus.valueOf(status);
      } catch (IllegalArgumentException e) {
        throw Problems.single(
            List.of("query", "status"), "enum", "status must be one of PENDING, RUNNING, COMPLETED, FAILED, CANCELLED");
      }
    }
    String task = taskId == null || taskId.isEmpty() ? null : Ids.require(taskId, "invalid_task_id");
    Long before = null;
    if (cursor != null && !cursor.isEmpty()) {
      try {
        before = Long.parseLong(cursor);
      } catch (NumberFormatException e) {
        throw new InvalidRequest("invalid_cursor");
      }
    }
    return runs.page(org, wanted, task, QueryParams.intIn(limit, "limit", 1, 100, 50), before);
  }

  /**
   * The run; with {@code waitForFinish=N}, answered when it ends or after N seconds, whichever is
   * first. The wait holds no thread: the answer is a chunked 200 whose JSON comes when the run
   * changes, preceded by a space every {@link #WAIT_HEARTBEAT_MILLIS} (leading whitespace is valid
   * JSON). Those writes are how a client that went away is noticed and its place freed within
   * seconds; HTTP/1.1 gives a server no other sign while it is not reading.
   */
  @GET
  @Path("{runId}")
  public Response get(
      @Auth Organization org,
      @PathParam("runId") String runId,
      @QueryParam("waitForFinish") String waitForFinish) {
    int wait = QueryParams.intIn(waitForFinish, "waitForFinish", 0, MAX_WAIT_SECONDS, 0);
    String id = Ids.require(runId, "invalid_run_id");
    if (wait == 0) {
      return Response.ok(new RunBody(runs.get(org, id))).build();
    }
    // A waiter reads the store only: the engine is asked once, when the wait ends unanswered.
    Run stored = runs.stored(org, id);
    if (stored.status().isTerminal()) {
      return Response.ok(new RunBody(stored)).build();
    }
    LongPoll poll = new LongPoll(org, id);
    poll.start(TimeUnit.SECONDS.toMillis(wait));
    return Response.ok(poll.output, MediaType.APPLICATION_JSON_TYPE).build();
  }

  private static final long WAIT_HEARTBEAT_MILLIS = 2_000;

  /** One {@code waitForFinish}: its output, and the watch that writes the answer into it. */
  private final class LongPoll {
    private final Organization org;
    private final String runId;
    private RunWatch.Watch watch;
    final ChunkedOutput<String> output =
        new ChunkedOutput<>(String.class, "") {
          @Override
          protected void onClose(Exception failure) {
            watch.close(); // Also when the client went away: its place is free at once.
          }
        };

    LongPoll(Organization org, String runId) {
      this.org = org;
      this.runId = runId;
    }

    void start(long waitMillis) {
      watch = watches.watch(org, runId, this::onChange);
      watch.every(WAIT_HEARTBEAT_MILLIS, () -> write(" "));
      watch.after(
          waitMillis,
          () -> {
            try {
              answer(runs.get(org, runId));
            } finally {
              closeQuietly();
            }
          });
      watch.poke(); // A change between the read and the watch is not missed.
    }

    private void onChange() {
      Run run;
      try {
        run = runs.stored(org, runId);
      } catch (RuntimeException storeDown) {
        watch.close();
        closeQuietly(); // The client sees a cut answer and asks again; nothing waits forever.
        throw storeDown;
      }
      if (run.status().isTerminal()) {
        answer(run);
      }
    }

    private void closeQuietly() {
      try {
        output.close();
      } catch (java.io.IOException gone) {
        // Already gone.
      }
    }

    private void answer(Run run) {
      write(json(new RunBody(run)));
      watch.close();
      closeQuietly();
    }

    private void write(String chunk) {
      try {
        output.write(chunk);
      } catch (java.io.IOException | IllegalStateException gone) {
        watch.close();
      }
    }
  }

  @GET
  @Path("{runId}/logs")
  @Produces("application/json; qs=1")
  public RunLogs logs(@Auth Organization org, @PathParam("runId") String runId, @QueryParam("after") String after) {
    String id = Ids.require(runId, "invalid_run_id");
    String afterId = after == null || after.isEmpty() ? null : Ids.require(after, "invalid_log_entry_id");
    return runs.logs(org, id, afterId);
  }

  /**
   * Log entries as server-sent events ({@code event: log}, the entry's id as the event id), then
   * {@code event: end} once the run is terminal. Sent as the entries are written; a comment every
   * 15 s keeps the connection alive through proxies and finds a client that went away.
   * {@code Last-Event-ID} resumes after that entry, as {@code ?after=} does.
   */
  @GET
  @Path("{runId}/logs")
  @Produces("text/event-stream; qs=0.5")
  public void streamLogs(
      @Auth Organization org,
      @PathParam("runId") String runId,
      @QueryParam("after") String after,
      @HeaderParam("Last-Event-ID") String lastEventId,
      @Context SseEventSink sink,
      @Context Sse sse) {
    String id = Ids.require(runId, "invalid_run_id");
    String resumeAt = after != null && !after.isEmpty() ? after : lastEventId;
    String afterId = resumeAt == null || resumeAt.isEmpty() ? null : Ids.require(resumeAt, "invalid_log_entry_id");
    runs.find(org, id);
    new LogStream(org, id, afterId, sink, sse).start();
  }

  /** One open log stream: sends what is new whenever its run changes, one send at a time. */
  private final class LogStream {
    private final Organization org;
    private final String runId;
    private final SseEventSink sink;
    private final Sse sse;
    private String last;
    /** The run's status and step as last sent in an {@code event: run} frame. */
    private String lastRunState;
    private RunWatch.Watch watch;

    LogStream(Organization org, String runId, String afterId, SseEventSink sink, Sse sse) {
      this.org = org;
      this.runId = runId;
      this.last = afterId;
      this.sink = sink;
      this.sse = sse;
    }

    void start() {
      // Over the organization's share this throws before anything is sent: a 429 like any other.
      watch = watches.watchEveryChange(org, runId, this::pump);
      watch.every(HEARTBEAT_MILLIS, () -> send(sse.newEventBuilder().comment("keep-alive").build()));
      watch.after(MAX_STREAM_MILLIS, sink::close);
      watch.poke();
    }

    /** On the watch's threads. */
    private void pump() {
      if (sink.isClosed()) {
        watch.close();
        return;
      }
      // The run first, then its new entries: a step's RUNNING frame precedes the step's logs; a
      // terminal frame goes last, after every entry, just before the end.
      Run run = runs.stored(org, runId);
      boolean terminal = run.status().isTerminal();
      if (!terminal) {
        sendRunIfChanged(run);
      }
      for (LogEntry entry : runs.logs(org, runId, last).logEntries()) {
        send(sse.newEventBuilder().id(entry.id()).name("log").data(String.class, json(entry)).build());
        last = entry.id();
      }
      if (terminal) {
        sendRunIfChanged(run);
        send(sse.newEventBuilder().name("end").data(String.class, "{}").build());
        watch.close();
        sink.close();
      }
    }

    /** {@code event: run} with the run resource, when its status or step changed since the last one. */
    private void sendRunIfChanged(Run run) {
      String state = run.status() + "/" + (run.progress() == null ? 0 : run.progress().currentStep());
      if (!state.equals(lastRunState)) {
        lastRunState = state;
        send(sse.newEventBuilder().name("run").data(String.class, json(run)).build());
      }
    }

    private void send(OutboundSseEvent event) {
      if (sink.isClosed()) {
        watch.close();
        return;
      }
      sink.send(event).whenComplete((ok, failure) -> {
        if (failure != null) {
          watch.close(); // The client went away.
          sink.close();
        }
      });
    }
  }

  private String json(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How long a request for a live screenshot keeps the worker capturing. */
  private static final long LIVE_VIEW_MILLIS = 10_000;
  /** A live screenshot this recent is served as it is, to every reader: at most one capture a second. */
  private static final long LIVE_FRESH_MILLIS = 1_000;
  private static final long LIVE_WAIT_MILLIS = 5_000;

  /**
   * Extension: a PNG of the run's page as it is now, while the run is RUNNING; 409 when the run
   * holds no page. The worker holding the page captures it between two slices of the step in
   * progress, at most once a second (see {@code LiveView}); readers within that second share the
   * capture. The wait holds no thread and counts as one of the organization's waiting requests.
   */
  @GET
  @Path("{runId}/screenshot")
  @Produces({"image/png", MediaType.APPLICATION_JSON})
  public void screenshot(@Auth Organization org, @PathParam("runId") String runId, @Suspended AsyncResponse response) {
    String id = Ids.require(runId, "invalid_run_id");
    if (!runs.find(org, id).status().equals(dev.kestrel.model.RunStatus.RUNNING)) {
      throw new Conflict("run_holds_no_page");
    }
    java.nio.file.Path file = artifacts.resolve(id, LiveView.FILE);
    long asked = System.currentTimeMillis();
    if (modifiedSince(file, asked - LIVE_FRESH_MILLIS)) {
      response.resume(png(file));
      return;
    }
    if (!runs.watchLive(org, id, asked + LIVE_VIEW_MILLIS)) {
      throw new Conflict("run_holds_no_page");
    }
    AtomicReference<RunWatch.Watch> watch = new AtomicReference<>();
    watch.set(
        watches.watch(
            org,
            id,
            () -> {
              if (!runs.find(org, id).status().equals(dev.kestrel.model.RunStatus.RUNNING)) {
                watch.get().close();
                response.resume(new Conflict("run_holds_no_page"));
              }
            }));
    response.register((ConnectionCallback) gone -> watch.get().close());
    watch.get().every(
        100,
        () -> {
          if (modifiedSince(file, asked - LIVE_FRESH_MILLIS)) {
            watch.get().close();
            response.resume(png(file));
          }
        });
    watch.get().after(
        LIVE_WAIT_MILLIS,
        () -> {
          watch.get().close();
          response.resume(
              Response.fromResponse(ErrorMappers.json(503, "live_view_unavailable")).header("Retry-After", "1").build());
        });
  }

  private static boolean modifiedSince(java.nio.file.Path file, long millis) {
    try {
      return file != null && Files.getLastModifiedTime(file).toMillis() >= millis;
    } catch (java.io.IOException notYet) {
      return false;
    }
  }

  private static Response png(java.nio.file.Path file) {
    try {
      return Response.ok(Files.readAllBytes(file), "image/png").header("Cache-Control", "no-store").build();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @POST
  @Path("{runId}/cancel")
  public Response cancel(@Auth Organization org, @PathParam("runId") String runId, byte[] body) {
    String id = Ids.require(runId, "invalid_run_id");
    CancelRunRequest request = CancelRunRequest.read(JsonObjectReader.body(mapper, body, true));
    return Response.status(202).entity(new RunBody(runs.cancel(org, id, request.reason()))).build();
  }

  /** Extension: files a run produced (screenshots named in its outputs, Playwright traces), listed in its {@code artifacts}. */
  @GET
  @Path("{runId}/artifacts/{name}")
  @Produces({"image/png", "application/zip", MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
  public Response artifact(@Auth Organization org, @PathParam("runId") String runId, @PathParam("name") String name) {
    String id = Ids.require(runId, "invalid_run_id");
    runs.find(org, id);
    java.nio.file.Path file = artifacts.resolve(id, name);
    if (file == null || !Files.isRegularFile(file)) {
      throw new NotFound("artifact_not_found");
    }
    String type = name.endsWith(".png") ? "image/png" : name.endsWith(".zip") ? "application/zip" : MediaType.APPLICATION_OCTET_STREAM;
    return Response.ok(file.toFile(), type).build();
  }

}
