package dev.kestrel.server.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.model.ProfileSpec;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.Timestamps;
import dev.kestrel.model.TraceMode;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.api.Envelopes.RunLogs;
import dev.kestrel.model.api.Envelopes.RunPage;
import dev.kestrel.model.api.Run;
import dev.kestrel.model.api.Task;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.InputLinks;
import dev.kestrel.store.Representations;
import dev.kestrel.store.db.CheckpointDao;
import dev.kestrel.store.db.ProfileDao;
import dev.kestrel.store.db.ProxyDao;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.RunLogDao;
import dev.kestrel.store.db.TaskDao;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.RunRecord;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.workflows.BrowserActivities;
import dev.kestrel.workflows.RunInput;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The run lifecycle behind the public API: accept (record, then start the workflow), read (the
 * store, which every transition reaches before the run moves on), list, log, cancel. It speaks in
 * domain terms; the resources and the exception mappers turn them into HTTP.
 */
public class RunService {
  public static final int TASK_RUNS_LISTED = 50;
  private static final List<Object> INPUTS_LOC = List.of("body", "inputs");

  private final TaskDao tasks;
  private final RunDao runs;
  private final RunLogDao logs;
  private final RunEngine engine;
  private final InputResolver inputs;
  private final CheckpointDao checkpoints;
  private final RunInput.ExecutionSettings execution;
  private final String globalPublicUrl;
  private final int maxActiveRuns;
  private final ArtifactStore artifacts;
  private final InputLinks links;
  private final MeterRegistry meters;
  private final UploadIntake uploads;
  private final ProfileDao profiles;
  private final ProxyDao proxies;

  /** A run takes seconds to minutes: waiting a little before queueing again is what helps. */
  static final int ACTIVE_RETRY_AFTER_SECONDS = 10;

  public RunService(
      TaskDao tasks,
      RunDao runs,
      RunLogDao logs,
      CheckpointDao checkpoints,
      RunEngine engine,
      InputResolver inputs,
      RunInput.ExecutionSettings execution,
      String globalPublicUrl,
      int maxActiveRuns,
      ArtifactStore artifacts,
      InputLinks links,
      MeterRegistry meters,
      UploadIntake uploads,
      ProfileDao profiles,
      ProxyDao proxies) {
    this.uploads = uploads;
    this.profiles = profiles;
    this.proxies = proxies;
    this.artifacts = artifacts;
    this.links = links;
    this.meters = meters;
    this.tasks = tasks;
    this.runs = runs;
    this.logs = logs;
    this.checkpoints = checkpoints;
    this.engine = engine;
    this.inputs = inputs;
    this.execution = execution;
    this.globalPublicUrl = globalPublicUrl;
    this.maxActiveRuns = maxActiveRuns;
  }

  /**
   * The run a queue request names, and whether it was accepted before (a repeat of the request).
   */
  public record Queued(Run run, boolean replayed) {}

  /**
   * Queues a run of the task with {@code given} inputs (null: the defaults). With a {@code
   * clientRequestId}, a repeat names the same run, concurrent repeats included.
   */
  public Queued queue(
      Organization org, String taskId, ObjectNode given, String clientRequestId, TraceMode trace) {
    return queue(org, taskId, given, clientRequestId, trace, null, null);
  }

  /**
   * The same, starting from {@code profile} (SPEC 12; null: the task's, if it names one), at its
   * version current now, its traffic through the upstream {@code proxy} (null: the task's).
   */
  public Queued queue(
      Organization org,
      String taskId,
      ObjectNode given,
      String clientRequestId,
      TraceMode trace,
      ProfileSpec profile,
      String proxy) {
    TaskRecord task =
        tasks.find(org.id(), taskId).orElseThrow(() -> new NotFound("task_not_found"));
    if (clientRequestId != null) {
      var existing = runs.findByClientRequestId(org.id(), taskId, clientRequestId);
      if (existing.isPresent()) {
        return new Queued(replay(existing.get(), org), true);
      }
    }
    if (!Task.READY.equals(task.status())) {
      throw new InvalidRequest("task_not_ready");
    }
    Problems problems = new Problems();
    Map<String, Object> effective =
        inputs.resolve(task.definition().inputs(), given, INPUTS_LOC, problems);
    problems.throwIfAny();

    String runId =
        clientRequestId == null
            ? UUID.randomUUID().toString()
            : Ids.runIdFor(org.id(), taskId, clientRequestId);
    RunInput input =
        input(org, task, runId, clientRequestId, TriggerType.API, effective, trace, profile, proxy);
    // The row first: a run the engine has is always a run the index has (or will have again,
    // since the workflow's first activity upserts it). The monthly limit is decided with it.
    RunInput admitted = admit(org, input, task.id(), fileInputs(task));
    if (admitted == null) {
      RunRecord existing =
          runs.find(org.id(), runId).orElseThrow(() -> new Conflict("conflict_retry"));
      return new Queued(replay(existing, org), true);
    }
    Run started = start(admitted, org);
    accepted(TriggerType.API);
    return new Queued(started, false);
  }

  /** The profile the task names, at its current version; null when it names none. */
  private RunInput.ProfileUse taskProfile(Organization org, TaskRecord task) {
    ProfileSpec named = task.definition().profile();
    return named == null ? null : profileUse(org, named, List.of("task", "profile", "name"));
  }

  /**
   * {@code named} as a run uses it: the organization's profile of that name, pinned to its current
   * version, so that concurrent runs each read the version they started from.
   *
   * @throws InvalidRequest the organization has no profile of that name
   */
  private RunInput.ProfileUse profileUse(Organization org, ProfileSpec named, List<Object> loc) {
    var found =
        profiles
            .findByName(org.id(), named.name())
            .orElseThrow(
                () ->
                    Problems.single(
                        loc, "value_error", "there is no profile named '" + named.name() + "'"));
    return new RunInput.ProfileUse(found.id(), found.version(), named);
  }

  /** The upstream proxy the task names; null when it names none. */
  private RunInput.ProxyUse taskProxy(Organization org, TaskRecord task) {
    String named = task.definition().proxy();
    return named == null ? null : proxyUse(org, named, List.of("task", "proxy"));
  }

  /**
   * The organization's upstream proxy named {@code name}, by id: its address and password stay in
   * the store until a worker opens the run's browser.
   *
   * @throws InvalidRequest the organization has no proxy of that name
   */
  private RunInput.ProxyUse proxyUse(Organization org, String name, List<Object> loc) {
    var found =
        proxies
            .findByName(org.id(), name)
            .orElseThrow(
                () ->
                    Problems.single(loc, "value_error", "there is no proxy named '" + name + "'"));
    return new RunInput.ProxyUse(found.id(), found.name());
  }

  /** Which of the task's inputs are files (SPEC 11). */
  private static java.util.function.Predicate<String> fileInputs(TaskRecord task) {
    Map<String, dev.kestrel.model.InputSpec> declared = task.definition().inputs();
    return name ->
        declared != null
            && declared.get(name) != null
            && dev.kestrel.model.InputSpec.FILE.equals(declared.get(name).type());
  }

  /**
   * Retries a FAILED or CANCELLED run from a step (default: the one it failed at) as a new run of
   * the same task version: it starts from the original's checkpoint after the step before, with the
   * outputs of the steps before it and {@code given} inputs over the original's. Once-steps at or
   * after that step which the original completed (or may have begun) run again only when {@code
   * confirm} names them. With a {@code clientRequestId}, a repeat names the same retry.
   */
  public Queued retry(
      Organization org,
      String runId,
      Integer fromStep,
      ObjectNode given,
      String clientRequestId,
      List<String> confirm) {
    RunRecord original = find(org, runId);
    String key = clientRequestId == null ? null : "retry:" + runId + ":" + clientRequestId;
    if (key != null) {
      var existing = runs.findByClientRequestId(org.id(), original.taskId(), key);
      if (existing.isPresent()) {
        return new Queued(replay(existing.get(), org), true);
      }
    }
    if (original.status() != RunStatus.FAILED && original.status() != RunStatus.CANCELLED) {
      throw new Conflict("run_not_retryable");
    }
    RunInput was = runs.workflowInput(runId);
    if (was == null) {
      throw new Conflict("checkpoint_unavailable");
    }
    List<StepSpec> steps = was.steps();
    int stopped = stoppedAt(original, steps);
    int from = fromStep != null ? fromStep : stopped;
    if (from < 1 || from > steps.size()) {
      throw Problems.single(
          List.of("body", "fromStep"),
          "value_error",
          "fromStep must be a step of the run, 1 to " + steps.size());
    }
    List<String> unconfirmed = new ArrayList<>();
    for (int n = from; n <= Math.min(stopped, steps.size()); n++) {
      StepSpec step = steps.get(n - 1);
      if (step.runsOnce()
          && (n < stopped || mayHaveBegun(original))
          && !confirm.contains(step.id())) {
        unconfirmed.add(step.id());
      }
    }
    if (!unconfirmed.isEmpty()) {
      throw new ConfirmRequired(unconfirmed);
    }
    BrowserActivities.Checkpoint start = null;
    if (from > 1) {
      Map.Entry<Integer, String> kept =
          checkpoints
              .after(runId, from - 1)
              .orElseThrow(() -> new Conflict("checkpoint_unavailable"));
      start =
          new BrowserActivities.Checkpoint(
              from - 1, kept.getValue(), runId, kept.getKey() == from - 1 ? null : kept.getKey());
    }
    Problems problems = new Problems();
    Map<String, Object> effective = new LinkedHashMap<>(was.inputs());
    if (given != null) {
      given
          .fields()
          .forEachRemaining(
              e -> {
                Object before = was.inputs().get(e.getKey());
                if (!was.inputs().containsKey(e.getKey())) {
                  problems.add(
                      Problems.at(INPUTS_LOC, e.getKey()),
                      "extra_forbidden",
                      "the run had no input '" + e.getKey() + "'");
                } else if (before != null && !sameJsonType(before, e.getValue())) {
                  problems.add(
                      Problems.at(INPUTS_LOC, e.getKey()),
                      "type_error",
                      "input '" + e.getKey() + "' must have the type it had in the run");
                } else if (FileValue.isKept(before)
                    && FileValue.problem(e.getValue(), inputs.maxFileBytes(), false) != null) {
                  problems.add(
                      Problems.at(INPUTS_LOC, e.getKey()),
                      "value_error",
                      "input '"
                          + e.getKey()
                          + "': "
                          + FileValue.problem(e.getValue(), inputs.maxFileBytes(), false));
                } else {
                  effective.put(e.getKey(), inputs.toJava(e.getValue()));
                }
              });
    }
    problems.throwIfAny();
    Map<String, Object> before = new LinkedHashMap<>();
    for (int n = 1; n < from; n++) {
      String output = steps.get(n - 1).output();
      if (output != null && original.outputs().containsKey(output)) {
        before.put(output, original.outputs().get(output));
      }
    }
    String newId =
        key == null ? UUID.randomUUID().toString() : Ids.runIdFor(org.id(), original.taskId(), key);
    RunInput input =
        new RunInput(
            newId,
            org.id(),
            was.taskId(),
            was.taskName(),
            was.taskVersion(),
            key,
            TriggerType.API,
            System.currentTimeMillis(),
            effective,
            steps,
            was.timeoutSeconds(),
            was.settings(),
            new RunInput.Retry(runId, from, start, before),
            null,
            // The profile the original started from: a retry saves over it as the original
            // would; and the original's proxy.
            was.profile(),
            was.proxy());
    // A file input of the original (kept) is a file input of the retry, given again or not.
    RunInput admitted = admit(org, input, runId, name -> FileValue.isKept(was.inputs().get(name)));
    if (admitted == null) {
      RunRecord existing =
          runs.find(org.id(), newId).orElseThrow(() -> new Conflict("conflict_retry"));
      return new Queued(replay(existing, org), true);
    }
    Run started = start(admitted, org);
    accepted(TriggerType.API);
    return new Queued(started, false);
  }

  /**
   * The step a run stopped at: the one it failed at, or was in when cancelled (1 if none began).
   */
  private static int stoppedAt(RunRecord run, List<StepSpec> steps) {
    if (run.error() != null && run.error().nodeId() != null) {
      for (int n = 1; n <= steps.size(); n++) {
        if (steps.get(n - 1).id().equals(run.error().nodeId())) {
          return n;
        }
      }
    }
    return Math.max(1, run.currentStep());
  }

  /** Whether the step a run stopped at may have had its effect: it was cut off, not refused. */
  private static boolean mayHaveBegun(RunRecord run) {
    return run.status() == RunStatus.CANCELLED
        || (run.error() != null && RunError.INTERRUPTED_SIDE_EFFECT.equals(run.error().code()))
        || (run.error() != null && RunError.TIMEOUT.equals(run.error().code()));
  }

  private static boolean sameJsonType(
      Object before, com.fasterxml.jackson.databind.JsonNode value) {
    return switch (value.getNodeType()) {
      case STRING -> before instanceof String;
      case NUMBER -> before instanceof Number;
      case BOOLEAN -> before instanceof Boolean;
      case OBJECT -> before instanceof Map;
      case ARRAY -> before instanceof List;
      default -> false;
    };
  }

  /** A run recorded and handed to the engine (or to a firing that starts it), by trigger. */
  private void accepted(TriggerType trigger) {
    Counter.builder("kestrel.runs.accepted")
        .description("Runs accepted, by trigger")
        .tag("trigger", trigger.wireName())
        .register(meters)
        .increment();
  }

  /**
   * Starts the workflow of a run just recorded; an engine that cannot be reached takes the row away
   * again. Answered from what was accepted: no read back, and always PENDING, as Komos answers a
   * 202.
   */
  private Run start(RunInput input, Organization org) {
    try {
      engine.start(input);
    } catch (EngineUnavailable unavailable) {
      runs.deleteUnstarted(input.runId());
      throw unavailable;
    }
    runs.markStarted(input.runId());
    return view(RunRecord.accepted(input), org);
  }

  /**
   * Records the run of a schedule's firing (SCHEDULE, or MANUAL for an operator's), with the
   * schedule's inputs (null: the task's defaults) resolved against the task as it is now, under the
   * same limits as the API; the caller starts its workflow. Returns the input of the run recorded,
   * also when an earlier attempt of the same firing recorded it.
   *
   * @throws NotFound the task is gone
   * @throws InvalidRequest the task is not READY, or its inputs no longer accept {@code given}
   * @throws UsageLimitExceeded over the monthly limit
   * @throws TooManyRequests too many active runs
   */
  public RunInput admitTriggered(
      Organization org,
      String taskId,
      String runId,
      TriggerType trigger,
      Map<String, Object> given) {
    TaskRecord task =
        tasks.find(org.id(), taskId).orElseThrow(() -> new NotFound("task_not_found"));
    if (!Task.READY.equals(task.status())) {
      throw new InvalidRequest("task_not_ready");
    }
    Problems problems = new Problems();
    Map<String, Object> effective =
        inputs.resolve(
            task.definition().inputs(),
            given == null ? null : inputs.asObject(given),
            // Where the values came from: the schedule's inputs, or the operator's.
            trigger == TriggerType.SCHEDULE ? List.of("schedule", "inputs") : List.of("inputs"),
            problems,
            false);
    problems.throwIfAny();
    RunInput input = input(org, task, runId, null, trigger, effective, null, null, null);
    RunInput admitted = admit(org, input, task.id(), fileInputs(task));
    if (admitted == null) {
      RunInput earlier = runs.workflowInput(runId);
      if (earlier != null) {
        return earlier;
      }
      return input;
    }
    accepted(trigger);
    return admitted;
  }

  /**
   * Queues a run an operator asked for (MANUAL), as {@link #admitTriggered} records it, and starts
   * it.
   */
  public Run queueTriggered(
      Organization org, String taskId, TriggerType trigger, Map<String, Object> given) {
    return start(admitTriggered(org, taskId, UUID.randomUUID().toString(), trigger, given), org);
  }

  /**
   * {@code trace}, {@code profile}, {@code proxy}: the request's; null for the task's (and the
   * server's default trace).
   */
  private RunInput input(
      Organization org,
      TaskRecord task,
      String runId,
      String clientRequestId,
      TriggerType trigger,
      Map<String, Object> effective,
      TraceMode trace,
      ProfileSpec profile,
      String proxy) {
    TraceMode effectiveTrace =
        trace != null
            ? trace
            : task.definition().trace() != null ? task.definition().trace() : execution.traceMode();
    return new RunInput(
        runId,
        org.id(),
        task.id(),
        task.definition().name(),
        task.version(),
        clientRequestId,
        trigger,
        System.currentTimeMillis(),
        new LinkedHashMap<>(effective),
        task.definition().steps(),
        task.definition().timeoutSeconds(),
        execution.withTrace(effectiveTrace).withResume(task.definition().resume()),
        null,
        null,
        profile != null
            ? profileUse(org, profile, List.of("body", "profile", "name"))
            : taskProfile(org, task),
        proxy != null ? proxyUse(org, proxy, List.of("body", "proxy")) : taskProxy(org, task));
  }

  /**
   * Gives the run its upload files (copies of {@code filesOf}'s: the task's, or the run retried),
   * then inserts its row, with file inputs as kept, under the organization's limits. Returns the
   * run as recorded, or null when it was there already.
   */
  private RunInput admit(
      Organization org,
      RunInput accepted,
      String filesOf,
      java.util.function.Predicate<String> isFile) {
    Map<String, Object> kept =
        uploads.keepRunFiles(
            org.id(), filesOf, accepted.runId(), accepted.steps(), accepted.inputs(), isFile);
    RunInput input = accepted.withInputs(kept);
    LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
    long periodStart = month.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    RunDao.Admission admission;
    try {
      admission =
          runs.insertWithinLimit(
              input,
              org.monthlyRunLimit(),
              periodStart,
              org.fairShare().maxActiveRuns(maxActiveRuns));
    } catch (RuntimeException e) {
      forgetFilesOfUnrecorded(org, input.runId());
      throw e;
    }
    if (admission.outcome() == RunDao.Admission.Outcome.OVER_LIMIT
        || admission.outcome() == RunDao.Admission.Outcome.TOO_MANY_ACTIVE) {
      forgetFilesOfUnrecorded(org, input.runId());
    }
    return switch (admission.outcome()) {
      case OVER_LIMIT ->
          throw new UsageLimitExceeded(
              org.monthlyRunLimit(),
              admission.used(),
              Timestamps.iso(periodStart),
              Timestamps.iso(
                  month.plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()));
      case TOO_MANY_ACTIVE ->
          throw new TooManyRequests("too_many_active_runs", ACTIVE_RETRY_AFTER_SECONDS);
      case EXISTS -> null;
      case INSERTED -> input;
    };
  }

  /** Forgets the files kept for a run the store has no row of (it was refused). */
  private void forgetFilesOfUnrecorded(Organization org, String runId) {
    if (runs.find(org.id(), runId).isEmpty()) {
      uploads.forgetRun(runId);
    }
  }

  /** A repeat of an accepted request: the same run, whose workflow is made sure to have started. */
  private Run replay(RunRecord existing, Organization org) {
    if (!existing.workflowStarted()) {
      RunInput input = runs.workflowInput(existing.id());
      if (input != null) {
        engine.start(input);
        runs.markStarted(existing.id());
      }
    }
    return view(existing, org);
  }

  /**
   * Starts the workflows of runs recorded before {@code createdBefore} whose start was lost (the
   * API crashed in between), and calls {@code started} with each run id. Stops at the first engine
   * failure.
   */
  public void startUnstarted(long createdBefore, int limit, Consumer<String> started) {
    for (RunInput input : runs.unstarted(createdBefore, limit)) {
      engine.start(input);
      runs.markStarted(input.runId());
      started.accept(input.runId());
    }
  }

  /**
   * The run as the store has it. The workflow records every transition (status, step, outputs so
   * far) before it moves on, so the row is current: a GET costs one read, never a workflow query
   * (which would also wait on a worker that is down).
   */
  public Run get(Organization org, String runId) {
    return view(find(org, runId), org);
  }

  /** The run as the store has it: what a waiter woken by a change reads. */
  public Run stored(Organization org, String runId) {
    return view(find(org, runId), org);
  }

  public List<Run> latestOfTask(Organization org, String taskId) {
    tasks.find(org.id(), taskId).orElseThrow(() -> new NotFound("task_not_found"));
    return runs.latestOfTask(org.id(), taskId, TASK_RUNS_LISTED).stream()
        .map(r -> view(r, org))
        .toList();
  }

  public RunPage page(
      Organization org, RunStatus status, String taskId, int limit, Long beforeSeq) {
    List<RunRecord> page = runs.page(org.id(), status, taskId, beforeSeq, limit + 1);
    String next = page.size() > limit ? String.valueOf(page.get(limit - 1).seq()) : null;
    return new RunPage(page.stream().limit(limit).map(r -> view(r, org)).toList(), next);
  }

  public RunLogs logs(Organization org, String runId, String afterId) {
    find(org, runId);
    return new RunLogs(runId, logs.list(runId, afterId));
  }

  /** Asks the workflow to cancel and answers with the latest state; a terminal run is unchanged. */
  public Run cancel(Organization org, String runId, String reason) {
    RunRecord run = find(org, runId);
    if (run.status().isTerminal()) {
      return view(run, org);
    }
    if (reason != null) {
      runs.setCancelReason(runId, reason);
    }
    engine.cancel(runId);
    return view(find(org, runId), org);
  }

  /**
   * Asks for live screenshots of the run's page for a while; false when the run holds no page (it
   * is not RUNNING).
   */
  public boolean watchLive(Organization org, String runId, long untilMillis) {
    find(org, runId);
    return runs.requestLiveView(runId, untilMillis);
  }

  /** The run; {@link NotFound} if this organization has no such run. */
  public RunRecord find(Organization org, String runId) {
    return runs.find(org.id(), runId).orElseThrow(() -> new NotFound("run_not_found"));
  }

  private Run view(RunRecord run, Organization org) {
    return Representations.run(
        run, Representations.publicUrl(org, globalPublicUrl), artifacts, links);
  }
}
