package dev.kestrel.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.TriggerType;
import dev.kestrel.server.core.Ids;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.NotFound;
import dev.kestrel.server.core.Problems;
import dev.kestrel.server.core.RunService;
import dev.kestrel.server.errors.ErrorMappers;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.db.TaskDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.TaskRecord;
import io.dropwizard.servlets.tasks.PostBodyTask;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /tasks/run-task} on the admin port, body {@code {"taskId", "inputs"?}}: queues a run
 * with {@code triggerType: "manual"} in the running server, as the API queues one (the task's
 * organization and its limits, the same counting in the metrics). It answers the API's bodies:
 * {@code {"run": Run}}, or {@code {"detail": ...}} for what the API would refuse. The {@code
 * run-task} command is its client.
 */
public final class ManualRunTask extends PostBodyTask {
  public static final String NAME = "run-task";
  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

  private final RunService runs;
  private final TaskDao tasks;
  private final OrganizationDao organizations;
  private final ObjectMapper mapper;

  public ManualRunTask(
      RunService runs, TaskDao tasks, OrganizationDao organizations, ObjectMapper mapper) {
    super(NAME, "application/json");
    this.runs = runs;
    this.tasks = tasks;
    this.organizations = organizations;
    this.mapper = mapper;
  }

  @Override
  public void execute(Map<String, List<String>> parameters, String body, PrintWriter output)
      throws Exception {
    Object answer;
    try {
      answer = Map.of("run", queue(body));
    } catch (RuntimeException e) {
      answer = ErrorMappers.answer(e).getEntity();
    }
    output.print(mapper.writeValueAsString(answer));
  }

  private Object queue(String body) {
    JsonNode request;
    try {
      request = mapper.readTree(body == null || body.isBlank() ? "{}" : body);
    } catch (JsonProcessingException e) {
      throw new InvalidRequest("invalid_json");
    }
    String taskId = request.path("taskId").asText(null);
    if (taskId == null || !Ids.isCanonical(taskId)) {
      throw new InvalidRequest("invalid_task_id");
    }
    TaskRecord task = tasks.findById(taskId).orElseThrow(() -> new NotFound("task_not_found"));
    Organization org =
        organizations
            .findById(task.organizationId())
            .orElseThrow(() -> new NotFound("task_not_found"));
    JsonNode inputs = request.get("inputs");
    if (inputs != null && !inputs.isNull() && !inputs.isObject()) {
      throw Problems.single(List.of("inputs"), "type_error", "inputs must be a JSON object");
    }
    Map<String, Object> given =
        inputs == null || inputs.isNull() ? null : mapper.convertValue(inputs, OBJECT);
    return runs.queueTriggered(org, task.id(), TriggerType.MANUAL, given);
  }
}
