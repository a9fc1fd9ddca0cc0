package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.Envelopes.RunBody;
import dev.kestrel.model.api.Envelopes.RunLogs;
import dev.kestrel.model.api.Envelopes.RunPage;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.InputAnswers;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.server.core.Problems;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.watch.RunWaits;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.records.Organization;
import io.dropwizard.auth.Auth;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A run: read it, its logs and artifacts, cancel it (SPEC 4 and 5). */
@Path("/public/v1/task-runs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class RunResource {
  private static final int MAX_WAIT_SECONDS = 60;

  private final RunService runs;
  private final RunWaits waits;
  private final InputAnswers answers;
  private final ArtifactStore artifacts;
  private final ObjectMapper mapper;

  public RunResource(
      RunService runs,
      RunWaits waits,
      InputAnswers answers,
      ArtifactStore artifacts,
      ObjectMapper mapper) {
    this.runs = runs;
    this.waits = waits;
    this.answers = answers;
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
            List.of("query", "status"),
            "enum",
            "status must be one of PENDING, RUNNING, COMPLETED, FAILED, CANCELLED");
      }
    }
    String task =
        taskId == null || taskId.isEmpty() ? null : Ids.require(taskId, "invalid_task_id");
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
   * first, by a long poll that holds no thread ({@link RunWaits#untilFinished}).
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
    return Response.ok(
            waits.untilFinished(org, id, TimeUnit.SECONDS.toMillis(wait)),
            MediaType.APPLICATION_JSON_TYPE)
        .build();
  }

  @GET
  @Path("{runId}/logs")
  @Produces("application/json; qs=1")
  public RunLogs logs(
      @Auth Organization org, @PathParam("runId") String runId, @QueryParam("after") String after) {
    String id = Ids.require(runId, "invalid_run_id");
    String afterId =
        after == null || after.isEmpty() ? null : Ids.require(after, "invalid_log_entry_id");
    return runs.logs(org, id, afterId);
  }

  /**
   * The log as server-sent events, as the entries are written ({@link RunWaits#streamLogs}); {@code
   * Last-Event-ID} resumes after that entry, as {@code ?after=} does.
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
    String afterId =
        resumeAt == null || resumeAt.isEmpty()
            ? null
            : Ids.require(resumeAt, "invalid_log_entry_id");
    runs.find(org, id);
    waits.streamLogs(org, id, afterId, sink, sse);
  }

  /**
   * Extension: a PNG of the run's page as it is now, while the run is RUNNING ({@link
   * RunWaits#liveScreenshot}).
   */
  @GET
  @Path("{runId}/screenshot")
  @Produces({"image/png", MediaType.APPLICATION_JSON})
  public void screenshot(
      @Auth Organization org, @PathParam("runId") String runId, @Suspended AsyncResponse response) {
    waits.liveScreenshot(org, Ids.require(runId, "invalid_run_id"), response);
  }

  /**
   * Extension: a FAILED or CANCELLED run again, from a step, as a new run (see RunService#retry).
   */
  @POST
  @Path("{runId}/retry")
  public Response retry(@Auth Organization org, @PathParam("runId") String runId, byte[] body) {
    String id = Ids.require(runId, "invalid_run_id");
    RetryRunRequest request = RetryRunRequest.read(JsonObjectReader.body(mapper, body, true));
    RunService.Queued queued =
        runs.retry(
            org,
            id,
            request.fromStep(),
            request.inputs(),
            request.clientRequestId(),
            request.confirm());
    if (queued.replayed()) {
      return Response.ok(new RunBody(queued.run())).header("Idempotent-Replayed", "true").build();
    }
    return Response.status(202).entity(new RunBody(queued.run())).build();
  }

  /**
   * Extension (SPEC 10): answers the input step the run waits for. 200 with the run going on; 400
   * naming the step or field that is wrong; 409 {@code not_waiting}. The same answer again is 200.
   */
  @POST
  @Path("{runId}/input")
  public Response input(@Auth Organization org, @PathParam("runId") String runId, byte[] body) {
    String id = Ids.require(runId, "invalid_run_id");
    InputRequest request =
        InputRequest.read(JsonObjectReader.body(mapper, body, false), mapper, true);
    return Response.ok(
            new RunBody(answers.submit(org, id, request.stepId(), request.values(), null)))
        .build();
  }

  @POST
  @Path("{runId}/cancel")
  public Response cancel(@Auth Organization org, @PathParam("runId") String runId, byte[] body) {
    String id = Ids.require(runId, "invalid_run_id");
    CancelRunRequest request = CancelRunRequest.read(JsonObjectReader.body(mapper, body, true));
    return Response.status(202).entity(new RunBody(runs.cancel(org, id, request.reason()))).build();
  }

  /**
   * Extension: files a run produced (screenshots named in its outputs, Playwright traces), listed
   * in its {@code artifacts}.
   */
  @GET
  @Path("{runId}/artifacts/{name}")
  @Produces({
    "image/png",
    "application/zip",
    MediaType.APPLICATION_OCTET_STREAM,
    MediaType.APPLICATION_JSON
  })
  public Response artifact(
      @Auth Organization org, @PathParam("runId") String runId, @PathParam("name") String name) {
    String id = Ids.require(runId, "invalid_run_id");
    runs.find(org, id);
    java.nio.file.Path file = artifacts.resolve(id, name);
    if (file == null || !Files.isRegularFile(file)) {
      throw new NotFound("artifact_not_found");
    }
    String type =
        name.endsWith(".png")
            ? "image/png"
            : name.endsWith(".zip") ? "application/zip" : MediaType.APPLICATION_OCTET_STREAM;
    return Response.ok(file.toFile(), type).build();
  }
}
