package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.api.Envelopes.RunBody;
import dev.kestrel.model.api.Envelopes.RunList;
import dev.kestrel.model.api.Envelopes.TaskBody;
import dev.kestrel.model.api.Envelopes.TaskList;
import dev.kestrel.model.api.Task;
import dev.kestrel.server.core.Conflict;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.server.core.Problems;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.core.TaskSchedules;
import dev.kestrel.server.core.UploadIntake;
import dev.kestrel.server.resources.TaskReader.TaskRequest;
import dev.kestrel.store.Representations;
import dev.kestrel.store.db.TaskDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.TaskRecord;
import io.dropwizard.auth.Auth;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/**
 * Saved tasks (SPEC 6), their schedules (one Temporal Schedule each, kept in step with every save)
 * and the runs of a task (SPEC 4).
 */
@Path("/public/v1/tasks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class TaskResource {
  private final TaskDao tasks;
  private final TaskReader reader;
  private final RunService runs;
  private final TaskSchedules schedules;
  private final ObjectMapper mapper;
  private final UploadIntake uploads;

  public TaskResource(
      TaskDao tasks,
      TaskReader reader,
      RunService runs,
      TaskSchedules schedules,
      ObjectMapper mapper,
      UploadIntake uploads) {
    this.uploads = uploads;
    this.tasks = tasks;
    this.reader = reader;
    this.runs = runs;
    this.schedules = schedules;
    this.mapper = mapper;
  }

  @POST
  public Response create(@Auth Organization org, byte[] body) {
    TaskRequest valid = reader.read(body);
    long now = System.currentTimeMillis();
    String id = UUID.randomUUID().toString();
    TaskRecord task =
        new TaskRecord(
            id,
            org.id(),
            // Files first: a task saved without them would name files nobody keeps.
            uploads.keepTaskFiles(org.id(), id, valid.definition()),
            valid.status(),
            1,
            now,
            now);
    // The schedule first: refused (no schedules on this engine) or unreachable, nothing is saved.
    schedules.sync(task);
    tasks.insert(task);
    return Response.status(201).entity(new TaskBody(view(task))).build();
  }

  @GET
  public TaskList list(
      @Auth Organization org,
      @QueryParam("limit") String limit,
      @QueryParam("offset") String offset,
      @QueryParam("search") String search,
      @QueryParam("status") String status) {
    if (status != null && !status.isEmpty() && !Task.STATUSES.contains(status)) {
      throw Problems.single(
          List.of("query", "status"),
          "enum",
          "status must be one of " + String.join(", ", Task.STATUSES));
    }
    TaskDao.Page page =
        tasks.list(
            org.id(),
            QueryParams.intIn(limit, "limit", 1, 100, 20),
            QueryParams.intIn(offset, "offset", 0, Integer.MAX_VALUE, 0),
            search == null || search.isEmpty() ? null : search,
            status == null || status.isEmpty() ? null : status);
    return new TaskList(page.tasks().stream().map(this::view).toList(), page.total());
  }

  @GET
  @Path("{taskId}")
  public TaskBody get(@Auth Organization org, @PathParam("taskId") String taskId) {
    return new TaskBody(view(find(org, taskId)));
  }

  @PUT
  @Path("{taskId}")
  public TaskBody update(@Auth Organization org, @PathParam("taskId") String taskId, byte[] body) {
    String id = Ids.require(taskId, "invalid_task_id");
    TaskRecord current = find(org, id);
    TaskRequest valid = reader.read(body);
    var definition = uploads.keepTaskFiles(org.id(), id, valid.definition());
    schedules.sync(
        new TaskRecord(
            id,
            org.id(),
            definition,
            valid.status(),
            current.version() + 1,
            current.createdAt(),
            current.updatedAt()));
    TaskRecord updated =
        tasks
            .update(org.id(), id, definition, valid.status())
            .orElseThrow(() -> new NotFound("task_not_found"));
    uploads.forgetUnused(id, definition);
    return new TaskBody(view(updated));
  }

  @DELETE
  @Path("{taskId}")
  public Response delete(@Auth Organization org, @PathParam("taskId") String taskId) {
    String id = Ids.require(taskId, "invalid_task_id");
    TaskRecord task = find(org, id);
    if (task.definition().schedule() != null) {
      schedules.delete(
          id); // First: should the engine be unreachable, the task is still there to delete again.
    }
    if (!tasks.delete(org.id(), id)) {
      throw new NotFound("task_not_found");
    }
    uploads.forgetAll(id); // Its runs have their own copies.
    return Response.noContent().build();
  }

  /** Fires the task's schedule once now (extension), whatever its overlap policy: someone asked. */
  @POST
  @Path("{taskId}/schedule/trigger")
  public Response triggerSchedule(@Auth Organization org, @PathParam("taskId") String taskId) {
    TaskRecord task = scheduled(org, taskId);
    if (!Task.READY.equals(task.status())) {
      throw new InvalidRequest("task_not_ready");
    }
    schedules.trigger(task.id());
    return Response.status(202).entity(new TaskBody(view(task))).build();
  }

  /** Pauses the task's schedule (extension); body {@code {"note": "..."}} optional. */
  @POST
  @Path("{taskId}/schedule/pause")
  public TaskBody pauseSchedule(
      @Auth Organization org, @PathParam("taskId") String taskId, byte[] body) {
    TaskRecord task = scheduled(org, taskId);
    schedules.pause(task.id(), note(body));
    return new TaskBody(view(task));
  }

  /** Unpauses the task's schedule (extension); a DRAFT task's schedule stays paused (409). */
  @POST
  @Path("{taskId}/schedule/unpause")
  public TaskBody unpauseSchedule(
      @Auth Organization org, @PathParam("taskId") String taskId, byte[] body) {
    TaskRecord task = scheduled(org, taskId);
    if (!Task.READY.equals(task.status())) {
      throw new Conflict("task_not_ready");
    }
    schedules.unpause(task.id(), note(body));
    return new TaskBody(view(task));
  }

  private TaskRecord scheduled(Organization org, String taskId) {
    TaskRecord task = find(org, taskId);
    if (task.definition().schedule() == null) {
      throw new NotFound("schedule_not_found");
    }
    return task;
  }

  private String note(byte[] body) {
    JsonObjectReader reader =
        JsonObjectReader.body(mapper, body, true).allowOnly(java.util.Set.of("note"));
    String note = reader.optionalString("note", 500);
    reader.throwIfAny();
    return note;
  }

  /**
   * The task as saved, its schedule with the engine's state of it (paused, next and last firing).
   */
  private Task view(TaskRecord task) {
    Task saved = Representations.task(task);
    if (saved.schedule() == null) {
      return saved;
    }
    return new Task(
        saved.id(),
        saved.name(),
        saved.description(),
        saved.inputs(),
        saved.steps(),
        saved.timeoutSeconds(),
        schedules.withState(task),
        saved.trace(),
        saved.status(),
        saved.version(),
        saved.createdAt(),
        saved.updatedAt(),
        saved.resume(),
        saved.profile(),
        saved.proxy());
  }

  @POST
  @Path("{taskId}/runs")
  public Response queueRun(
      @Auth Organization org, @PathParam("taskId") String taskId, byte[] body) {
    String id = Ids.require(taskId, "invalid_task_id");
    QueueRunRequest request = QueueRunRequest.read(JsonObjectReader.body(mapper, body, true));
    RunService.Queued queued =
        runs.queue(
            org,
            id,
            request.inputs(),
            request.clientRequestId(),
            request.trace(),
            request.profile(),
            request.proxy());
    if (queued.replayed()) {
      return Response.ok(new RunBody(queued.run())).header("Idempotent-Replayed", "true").build();
    }
    return Response.status(202).entity(new RunBody(queued.run())).build();
  }

  /** The 50 most recent runs, newest first; query parameters are ignored, as in Komos. */
  @GET
  @Path("{taskId}/runs")
  public RunList listRuns(@Auth Organization org, @PathParam("taskId") String taskId) {
    return new RunList(runs.latestOfTask(org, Ids.require(taskId, "invalid_task_id")));
  }

  private TaskRecord find(Organization org, String taskId) {
    String id = Ids.require(taskId, "invalid_task_id");
    return tasks.find(org.id(), id).orElseThrow(() -> new NotFound("task_not_found"));
  }
}
