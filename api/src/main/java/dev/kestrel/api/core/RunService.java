package dev.kestrel.api.core;

import dev.kestrel.model.Timestamps;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.api.db.RunDao;
import dev.kestrel.api.db.RunLogDao;
import dev.kestrel.api.db.TaskDao;
import dev.kestrel.api.errors.ApiException;
import dev.kestrel.api.errors.Problems;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.api.Envelopes.RunLogs;
import dev.kestrel.model.api.Envelopes.RunPage;
import dev.kestrel.model.api.Run;
import dev.kestrel.model.api.Task;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;
import dev.kestrel.workflows.RunWorkflow;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The run lifecycle behind the public API: accept (record, then start the workflow), read (the
 * store, overlaid with the workflow's live state), list, log, cancel.
 */
public class RunService {
  public static final int TASK_RUNS_LISTED = 50;
  private static final int RETRY_AFTER_SECONDS = 5;

  private final TaskDao tasks;
  private final RunDao runs;
  private final RunLogDao logs;
  private final WorkflowClient client;
  private final InputResolver inputs;
  private final RunInput.ExecutionSettings execution;
  private final String globalPublicUrl;
  private final Runnable afterRecording;

  public RunService(
      TaskDao tasks,
      RunDao runs,
      RunLogDao logs,
      WorkflowClient client,
      InputResolver inputs,
      RunInput.ExecutionSettings execution,
      String globalPublicUrl,
      Runnable afterRecording) {
    this.tasks = tasks;
    this.runs = runs;
    this.logs = logs;
    this.client = client;
    this.inputs = inputs;
    this.execution = execution;
    this.globalPublicUrl = globalPublicUrl;
    this.afterRecording = afterRecording;
  }

  public record Queued(Run run, boolean replayed) {}

  /** POST /tasks/{taskId}/runs. */
  public Queued queue(Organization org, String taskId, ObjectNode body) {
    Problems problems = new Problems();
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!field.equals("inputs") && !field.equals("clientRequestId")) {
        problems.add(List.of("body", field), "extra_forbidden", "unknown field '" + field + "'");
      }
    }
    JsonNode given = body.get("inputs");
    if (given != null && !given.isNull() && !given.isObject()) {
      problems.add(List.of("body", "inputs"), "type_error", "inputs must be an object");
      given = null;
    }
    String clientRequestId = null;
    JsonNode crid = body.get("clientRequestId");
    if (crid != null && !crid.isNull()) {
      if (!crid.isTextual() || crid.asText().isEmpty() || crid.asText().length() > 255) {
        problems.add(List.of("body", "clientRequestId"), "value_error", "clientRequestId must be a string of 1 to 255 characters");
      } else {
        clientRequestId = crid.asText();
      }
    }
    problems.throwIfAny();

    TaskRecord task = tasks.find(org.id(), taskId).orElseThrow(() -> ApiException.notFound("task_not_found"));
    if (clientRequestId != null) {
      var existing = runs.findByClientRequestId(org.id(), taskId, clientRequestId);
      if (existing.isPresent()) {
        return new Queued(replay(existing.get(), org), true);
      }
    }
    if (!Task.READY.equals(task.status())) {
      throw ApiException.badRequest("task_not_ready");
    }
    Map<String, Object> effective =
        inputs.resolve(task.definition().inputs(), given, List.of("body", "inputs"), problems);
    problems.throwIfAny();
    checkUsage(org);

    String runId = clientRequestId == null ? UUID.randomUUID().toString() : Ids.runIdFor(org.id(), taskId, clientRequestId);
    RunInput input =
        new RunInput(
            runId,
            org.id(),
            taskId,
            task.definition().name(),
            task.version(),
            clientRequestId,
            TriggerType.API,
            System.currentTimeMillis(),
            new LinkedHashMap<>(effective),
            task.definition().steps(),
            task.definition().timeoutSeconds(),
            execution);
    // The row first: a run the engine has is always a run the index has (or will have again,
    // since the workflow's first activity upserts it).
    if (!runs.insert(input, false)) {
      RunRecord existing =
          runs.find(org.id(), runId).orElseThrow(() -> new ApiException(409, "conflict_retry"));
      return new Queued(replay(existing, org), true);
    }
    afterRecording.run();
    try {
      startWorkflow(input);
    } catch (ApiException unavailable) {
      runs.deleteUnstarted(runId);
      throw unavailable;
    }
    runs.markStarted(runId);
    // Answered from what was accepted: no read back, and always PENDING, as Komos answers a 202.
    return new Queued(view(RunRecord.accepted(input), org), false);
  }

  /** A repeat of an accepted request: the same run, whose workflow is made sure to have started. */
  private Run replay(RunRecord existing, Organization org) {
    if (!existing.workflowStarted()) {
      RunInput input = runs.workflowInput(existing.id());
      if (input != null) {
        startWorkflow(input);
        runs.markStarted(existing.id());
      }
    }
    return view(existing, org);
  }

  /** Starts the run's workflow; idempotent, since the workflow id is derived from the run id. */
  public void startWorkflow(RunInput input) {
    RunWorkflow stub = client.newWorkflowStub(RunWorkflow.class, RunWorkflow.startOptions(input));
    try {
      WorkflowClient.start(stub::run, input);
    } catch (WorkflowExecutionAlreadyStarted alreadyStarted) {
      // A concurrent repeat of the same request started it: the same run.
    } catch (WorkflowServiceException | StatusRuntimeException e) {
      throw unavailable();
    }
  }

  private static ApiException unavailable() {
    return new ApiException(503, "queue_unavailable", Map.of("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)));
  }

  private void checkUsage(Organization org) {
    Integer limit = org.monthlyRunLimit();
    if (limit == null) {
      return;
    }
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    long periodStart = today.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long periodEnd = today.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long used = runs.countCreatedSince(org.id(), periodStart);
    if (used >= limit) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("code", "usage_limit_exceeded");
      detail.put("limit", limit);
      detail.put("used", used);
      detail.put("periodStart", Timestamps.iso(periodStart));
      detail.put("periodEnd", Timestamps.iso(periodEnd));
      throw new ApiException(402, detail);
    }
  }

  /** GET /task-runs/{runId}, waiting up to {@code waitSeconds} for the run to end. */
  public Run get(Organization org, String runId, int waitSeconds) {
    RunRecord run = find(org, runId);
    long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
    while (!run.status().isTerminal() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      run = find(org, runId);
    }
    return view(live(run), org);
  }

  public List<Run> latestOfTask(Organization org, String taskId) {
    tasks.find(org.id(), taskId).orElseThrow(() -> ApiException.notFound("task_not_found"));
    return runs.latestOfTask(org.id(), taskId, TASK_RUNS_LISTED).stream().map(r -> view(r, org)).toList();
  }

  public RunPage page(Organization org, RunStatus status, String taskId, int limit, Long beforeSeq) {
    List<RunRecord> page = runs.page(org.id(), status, taskId, beforeSeq, limit + 1);
    String next = page.size() > limit ? String.valueOf(page.get(limit - 1).seq()) : null;
    return new RunPage(page.stream().limit(limit).map(r -> view(r, org)).toList(), next);
  }

  public RunLogs logs(Organization org, String runId, String afterId) {
    find(org, runId);
    return new RunLogs(runId, logs.list(runId, afterId));
  }

  public boolean isTerminal(Organization org, String runId) {
    return find(org, runId).status().isTerminal();
  }

  /** POST /task-runs/{runId}/cancel: asks the workflow to cancel and answers with the latest state. */
  public Run cancel(Organization org, String runId, String reason) {
    RunRecord run = find(org, runId);
    if (run.status().isTerminal()) {
      return view(run, org);
    }
    if (reason != null) {
      runs.setCancelReason(runId, reason);
    }
    try {
      client.newUntypedWorkflowStub(RunWorkflow.workflowId(runId)).cancel();
    } catch (WorkflowNotFoundException finishedMeanwhile) {
      // Already closed: the run's row reaches its terminal state on its own.
    } catch (WorkflowServiceException | StatusRuntimeException e) {
      throw unavailable();
    }
    return view(live(find(org, runId)), org);
  }

  /** The run, or 404 if this organization has no such run. */
  public RunRecord requireRun(Organization org, String runId) {
    return find(org, runId);
  }

  private RunRecord find(Organization org, String runId) {
    return runs.find(org.id(), runId).orElseThrow(() -> ApiException.notFound("run_not_found"));
  }

  /** The store's row with the workflow's live state over it, when the workflow can be asked. */
  private RunRecord live(RunRecord run) {
    if (run.status().isTerminal() || !run.workflowStarted()) {
      return run;
    }
    try {
      RunState state = client.newWorkflowStub(RunWorkflow.class, RunWorkflow.workflowId(run.id())).state();
      return run.withLiveState(state);
    } catch (RuntimeException engineOrWorkerUnavailable) {
      return run;
    }
  }

  private Run view(RunRecord run, Organization org) {
    return Views.run(run, Views.publicUrl(org, globalPublicUrl));
  }
}
