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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import java.util.List;

/** A run: read it, its logs and artifacts, cancel it (SPEC 4 and 5). */
@Path("/public/v1/task-runs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class RunResource {
  private static final int MAX_WAIT_SECONDS = 60;

  private final RunService runs;
  private final ArtifactStore artifacts;
  private final ObjectMapper mapper;

  public RunResource(RunService runs, ArtifactStore artifacts, ObjectMapper mapper) {
    this.runs = runs;
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

  @GET
  @Path("{runId}")
  public RunBody get(
      @Auth Organization org,
      @PathParam("runId") String runId,
      @QueryParam("waitForFinish") String waitForFinish) {
    int wait = QueryParams.intIn(waitForFinish, "waitForFinish", 0, MAX_WAIT_SECONDS, 0);
    return new RunBody(runs.get(org, Ids.require(runId, "invalid_run_id"), wait));
  }

  @GET
  @Path("{runId}/logs")
  @Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
  public Response logs(
      @Auth Organization org,
      @PathParam("runId") String runId,
      @QueryParam("after") String after,
      @HeaderParam(HttpHeaders.ACCEPT) String accept) {
    String id = Ids.require(runId, "invalid_run_id");
    String afterId = after == null || after.isEmpty() ? null : Ids.require(after, "invalid_log_entry_id");
    RunLogs logs = runs.logs(org, id, afterId);
    if (accept != null && accept.contains(MediaType.SERVER_SENT_EVENTS)) {
      return Response.ok(stream(org, id, afterId), MediaType.SERVER_SENT_EVENTS).header("Cache-Control", "no-cache").build();
    }
    return Response.ok(logs, MediaType.APPLICATION_JSON).build();
  }

  /** Log entries as server-sent events, one per entry, until the run is terminal. */
  private StreamingOutput stream(Organization org, String runId, String afterId) {
    return (OutputStream out) -> {
      String last = afterId;
      while (true) {
        boolean terminal = runs.isTerminal(org, runId);
        for (LogEntry entry : runs.logs(org, runId, last).logEntries()) {
          String event = "id: " + entry.id() + "\nevent: log\ndata: " + mapper.writeValueAsString(entry) + "\n\n";
          out.write(event.getBytes(StandardCharsets.UTF_8));
          last = entry.id();
        }
        out.flush();
        if (terminal) {
          out.write("event: end\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          return;
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    };
  }

  @POST
  @Path("{runId}/cancel")
  public Response cancel(@Auth Organization org, @PathParam("runId") String runId, byte[] body) {
    String id = Ids.require(runId, "invalid_run_id");
    CancelRunRequest request = CancelRunRequest.read(JsonObjectReader.body(mapper, body, true));
    return Response.status(202).entity(new RunBody(runs.cancel(org, id, request.reason()))).build();
  }

  /** Extension: files a run produced (screenshots), named in its outputs. */
  @GET
  @Path("{runId}/artifacts/{name}")
  @Produces({"image/png", MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
  public Response artifact(@Auth Organization org, @PathParam("runId") String runId, @PathParam("name") String name) {
    String id = Ids.require(runId, "invalid_run_id");
    runs.find(org, id);
    java.nio.file.Path file = artifacts.resolve(id, name);
    if (file == null || !Files.isRegularFile(file)) {
      throw new NotFound("artifact_not_found");
    }
    String type = name.endsWith(".png") ? "image/png" : MediaType.APPLICATION_OCTET_STREAM;
    return Response.ok(file.toFile(), type).build();
  }

}
