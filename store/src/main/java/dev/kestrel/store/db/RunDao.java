package dev.kestrel.store.db;

import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.WaitingFor;
import dev.kestrel.store.records.RunRecord;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The run index: what the API lists and reads, and what outlives the workflow. A terminal row is
 * never changed again (every update is guarded by status).
 */
public class RunDao {
  private static final String COLUMNS =
      "seq, id, organization_id, task_id, task_version, client_request_id, trigger_type, status, "
          + "inputs, outputs, current_step, steps_total, error, cancel_reason, worker_id, "
          + "workflow_started, created_at, started_at, finished_at, retry_of, started_at_step, waiting_for";
  private static final String NOT_TERMINAL = "status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')";

  private final Jdbi jdbi;
  private final JsonColumns json;

  public RunDao(Jdbi jdbi, JsonColumns json) {
    this.jdbi = jdbi;
    this.json = json;
  }

  /**
   * Inserts a PENDING row for this input. Returns false if the run already exists (same id, or same
   * idempotency key), which is how concurrent repeats of one request find each other.
   */
  public boolean insert(RunInput in, boolean workflowStarted) {
    try {
      jdbi.useTransaction(h -> insert(h, in, workflowStarted));
      return true;
    } catch (UnableToExecuteStatementException e) {
      if (Database.isUniqueViolation(e)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * How inserting a run under its organization's monthly limit went, and the runs used after it.
   */
  public record Admission(Outcome outcome, long used) {
    public enum Outcome {
      INSERTED,
      /** The same run (id or idempotency key) is there already. */
      EXISTS,
      OVER_LIMIT,
      /** The organization has {@code maxActive} runs not yet ended. */
      TOO_MANY_ACTIVE
    }
  }

  /**
   * Inserts a PENDING, not yet started row unless the organization has {@code monthlyLimit} runs
   * created since {@code periodStart} already (null: no limit), or {@code maxActive} runs not yet
   * ended. Counting and inserting hold the organization's row locked, so concurrent requests cannot
   * both take the last run of the month or the last active place.
   */
  public Admission insertWithinLimit(
      RunInput in, Integer monthlyLimit, long periodStart, int maxActive) {
    try {
      return jdbi.inTransaction(
          h -> {
            Database.lockOrganization(h, in.organizationId());
            // A concurrent repeat of an accepted request names that run, even at the limit.
            if (h.createQuery("SELECT COUNT(*) FROM runs WHERE id = :id")
                    .bind("id", in.runId())
                    .mapTo(Integer.class)
                    .one()
                > 0) {
              return new Admission(Admission.Outcome.EXISTS, 0);
            }
            long used =
                monthlyLimit == null ? 0 : countCreatedSince(h, in.organizationId(), periodStart);
            if (monthlyLimit != null && used >= monthlyLimit) {
              return new Admission(Admission.Outcome.OVER_LIMIT, used);
            }
            long active =
                h.createQuery(
                        "SELECT COUNT(*) FROM runs WHERE organization_id = :org AND status IN ('PENDING', 'RUNNING')")
                    .bind("org", in.organizationId())
                    .mapTo(Long.class)
                    .one();
            if (active >= maxActive) {
              return new Admission(Admission.Outcome.TOO_MANY_ACTIVE, active);
            }
            insert(h, in, false);
            return new Admission(Admission.Outcome.INSERTED, used + 1);
          });
    } catch (UnableToExecuteStatementException e) {
      if (Database.isUniqueViolation(e)) {
        return new Admission(Admission.Outcome.EXISTS, 0);
      }
      throw e;
    }
  }

  private void insert(Handle h, RunInput in, boolean workflowStarted) {
    h.createUpdate(
            "INSERT INTO runs (id, organization_id, task_id, task_version, client_request_id, "
                + "trigger_type, status, inputs, outputs, steps_total, workflow_input, "
                + "workflow_started, created_at, retry_of, started_at_step) VALUES (:id, :org, :task, "
                + ":version, :crid, :trigger, 'PENDING', :inputs, '{}', :total, :input, :started, "
                + ":createdAt, :retryOf, :startedAtStep)")
        .bind("id", in.runId())
        .bind("org", in.organizationId())
        .bind("task", in.taskId())
        .bind("version", in.taskVersion())
        .bind("crid", in.clientRequestId())
        .bind("trigger", in.triggerType().name())
        .bind("inputs", json.write(in.inputs()))
        .bind("total", in.steps().size())
        .bind("input", json.write(in))
        .bind("started", workflowStarted)
        .bind("createdAt", in.createdAtMillis())
        .bind("retryOf", in.retry() == null ? null : in.retry().of())
        .bindByType(
            "startedAtStep", in.retry() == null ? null : in.retry().fromStep(), Integer.class)
        .execute();
    h.createUpdate("INSERT INTO run_log_counts (run_id) VALUES (:id)")
        .bind("id", in.runId())
        .execute();
  }

  public Optional<RunRecord> find(String organizationId, String runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT " + COLUMNS + " FROM runs WHERE id = :id AND organization_id = :org")
                .bind("id", runId)
                .bind("org", organizationId)
                .map(this::map)
                .findOne());
  }

  /**
   * A token per run that changes whenever its status, step or log does: how a process finds the
   * changes another process wrote, with one query for every run it watches.
   */
  public java.util.Map<String, String> versions(java.util.Collection<String> runIds) {
    if (runIds.isEmpty()) {
      return java.util.Map.of();
    }
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT r.id, r.status, r.current_step, c.log_count, c.log_dropped FROM runs r "
                        + "LEFT JOIN run_log_counts c ON c.run_id = r.id WHERE r.id IN (<ids>)")
                .bindList("ids", List.copyOf(runIds))
                .reduceRows(
                    new java.util.HashMap<String, String>(),
                    (map, row) -> {
                      map.put(
                          row.getColumn("id", String.class),
                          row.getColumn("status", String.class)
                              + "/"
                              + row.getColumn("current_step", Integer.class)
                              + "/"
                              + row.getColumn("log_count", Integer.class)
                              + "/"
                              + row.getColumn("log_dropped", Integer.class));
                      return map;
                    }));
  }

  /**
   * Asks the worker holding the run's page for live screenshots until {@code until}. False when the
   * run is not RUNNING (it holds no page).
   */
  public boolean requestLiveView(String runId, long until) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE runs SET live_view_until = :until WHERE id = :id AND status = 'RUNNING'")
                    .bind("id", runId)
                    .bind("until", until)
                    .execute())
        > 0;
  }

  /**
   * Of {@code runIds}, those someone watches live at {@code now}: one query for all a worker holds.
   */
  public java.util.Set<String> watchedLive(java.util.Collection<String> runIds, long now) {
    if (runIds.isEmpty()) {
      return java.util.Set.of();
    }
    return jdbi.withHandle(
        h ->
            java.util.Set.copyOf(
                h.createQuery("SELECT id FROM runs WHERE id IN (<ids>) AND live_view_until > :now")
                    .bindList("ids", List.copyOf(runIds))
                    .bind("now", now)
                    .mapTo(String.class)
                    .list()));
  }

  /** The run whatever its organization: for the worker side, which acts for every organization. */
  public Optional<RunRecord> findById(String runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM runs WHERE id = :id")
                .bind("id", runId)
                .map(this::map)
                .findOne());
  }

  public Optional<RunRecord> findByClientRequestId(
      String organizationId, String taskId, String clientRequestId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM runs WHERE organization_id = :org AND task_id = :task "
                        + "AND client_request_id = :crid")
                .bind("org", organizationId)
                .bind("task", taskId)
                .bind("crid", clientRequestId)
                .map(this::map)
                .findOne());
  }

  /** The newest runs of a task, newest first by creation (ties by insertion order). */
  public List<RunRecord> latestOfTask(String organizationId, String taskId, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM runs WHERE task_id = :task AND organization_id = :org "
                        // task_id first, though fixed: only then does H2 read the rows in index
                        // order.
                        + "ORDER BY task_id, created_at DESC, seq DESC LIMIT :limit")
                .bind("task", taskId)
                .bind("org", organizationId)
                .bind("limit", limit)
                .map(this::map)
                .list());
  }

  /** The organization's runs, newest first, after the cursor {@code beforeSeq} when given. */
  public List<RunRecord> page(
      String organizationId, RunStatus status, String taskId, Long beforeSeq, int limit) {
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM runs WHERE organization_id = :org"
            + (status == null ? "" : " AND status = :status")
            + (taskId == null ? "" : " AND task_id = :task")
            + (beforeSeq == null ? "" : " AND seq < :before")
            + " ORDER BY seq DESC LIMIT :limit";
    return jdbi.withHandle(
        h -> {
          var q = h.createQuery(sql).bind("org", organizationId).bind("limit", limit);
          if (status != null) {
            q.bind("status", status.name());
          }
          if (taskId != null) {
            q.bind("task", taskId);
          }
          if (beforeSeq != null) {
            q.bind("before", beforeSeq);
          }
          return q.map(this::map).list();
        });
  }

  private static long countCreatedSince(Handle h, String organizationId, long since) {
    return h.createQuery(
            "SELECT COUNT(*) FROM runs WHERE organization_id = :org AND created_at >= :since")
        .bind("org", organizationId)
        .bind("since", since)
        .mapTo(Long.class)
        .one();
  }

  /**
   * The run's workflow has started; its input is kept until the run ends, to start it again if the
   * engine loses it.
   */
  /** False when there is no such run. */
  public boolean markStarted(String runId) {
    return jdbi.withHandle(
            h ->
                h.createUpdate("UPDATE runs SET workflow_started = TRUE WHERE id = :id")
                    .bind("id", runId)
                    .execute())
        == 1;
  }

  /** Forgets a run whose workflow could not be started, unless something started it meanwhile. */
  public void deleteUnstarted(String runId) {
    jdbi.useTransaction(
        h -> {
          if (h.createUpdate("DELETE FROM runs WHERE id = :id AND workflow_started = FALSE")
                  .bind("id", runId)
                  .execute()
              == 1) {
            h.createUpdate("DELETE FROM run_log_counts WHERE run_id = :id")
                .bind("id", runId)
                .execute();
          }
        });
  }

  /** Inputs of PENDING runs created before {@code createdBefore} whose workflow never started. */
  public List<RunInput> unstarted(long createdBefore, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT workflow_input FROM runs WHERE workflow_started = FALSE AND status = 'PENDING' "
                        + "AND created_at < :before AND workflow_input IS NOT NULL ORDER BY created_at LIMIT :limit")
                .bind("before", createdBefore)
                .bind("limit", limit)
                .map((rs, ctx) -> json.read(rs.getString(1), RunInput.class))
                .list());
  }

  public RunInput workflowInput(String runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT workflow_input FROM runs WHERE id = :id")
                .bind("id", runId)
                .map((rs, ctx) -> json.read(rs.getString(1), RunInput.class))
                .findOne()
                .orElse(null));
  }

  /**
   * A run whose workflow was started, is not terminal in the store, and the input it was started
   * with (null for rows from before inputs were kept).
   */
  public record Unfinished(long seq, String runId, RunInput input) {}

  /** Up to {@code limit} unfinished started runs after position {@code afterSeq}, in order. */
  public List<Unfinished> unfinished(long afterSeq, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT seq, id, workflow_input FROM runs WHERE workflow_started = TRUE AND "
                        + NOT_TERMINAL
                        + " AND seq > :after ORDER BY seq LIMIT :limit")
                .bind("after", afterSeq)
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new Unfinished(
                            rs.getLong("seq"),
                            rs.getString("id"),
                            json.read(rs.getString("workflow_input"), RunInput.class)))
                .list());
  }

  /**
   * Ends a run that cannot be run again (FAILED with {@code error}); false if it had ended
   * meanwhile.
   */
  public boolean fail(String runId, RunError error, long now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE runs SET status = 'FAILED', error = :error, finished_at = :now, workflow_input = NULL "
                            + "WHERE id = :id AND "
                            + NOT_TERMINAL)
                    .bind("error", json.write(error))
                    .bind("now", now)
                    .bind("id", runId)
                    .execute())
        == 1;
  }

  /** Keeps the first reason given; a terminal run keeps what it has. */
  public void setCancelReason(String runId, String reason) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE runs SET cancel_reason = :reason WHERE id = :id AND cancel_reason IS NULL AND "
                        + NOT_TERMINAL)
                .bind("reason", reason)
                .bind("id", runId)
                .execute());
  }

  /**
   * Writes the workflow's view of the run; returns false if the row is already terminal. The kept
   * workflow input stays after the end: a retry runs the same task version from it.
   */
  public boolean updateState(String runId, RunState s) {
    return jdbi.withHandle(h -> updateState(h, runId, s));
  }

  /** The same within the caller's transaction. */
  public boolean updateState(org.jdbi.v3.core.Handle h, String runId, RunState s) {
    return h.createUpdate(
                "UPDATE runs SET status = :status, current_step = :step, outputs = :outputs, "
                    + "error = :error, worker_id = :worker, workflow_started = TRUE, "
                    + "started_at = COALESCE(started_at, :startedAt), finished_at = :finishedAt, "
                    + "waiting_for = :waitingFor"
                    + " WHERE id = :id AND "
                    + NOT_TERMINAL)
            .bind("status", s.status().name())
            .bind("step", s.currentStep())
            .bind("outputs", json.write(s.outputs()))
            .bind("error", json.write(s.error()))
            .bind("worker", s.workerId())
            .bind("startedAt", s.startedAtMillis())
            .bind("finishedAt", s.finishedAtMillis())
            .bind("waitingFor", s.waitingFor() == null ? null : json.write(s.waitingFor()))
            .bind("id", runId)
            .execute()
        == 1;
  }

  /** How many runs wait for a person's input now (what {@code kestrel_runs_waiting} shows). */
  public long countWaiting() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT COUNT(*) FROM runs WHERE status = 'RUNNING' AND waiting_for IS NOT NULL")
                .mapTo(Long.class)
                .one());
  }

  private RunRecord map(ResultSet rs, StatementContext ctx) throws SQLException {
    long started = rs.getLong("started_at");
    Long startedAt = rs.wasNull() ? null : started;
    long finished = rs.getLong("finished_at");
    Long finishedAt = rs.wasNull() ? null : finished;
    return new RunRecord(
        rs.getLong("seq"),
        rs.getString("id"),
        rs.getString("organization_id"),
        rs.getString("task_id"),
        rs.getInt("task_version"),
        rs.getString("client_request_id"),
        TriggerType.valueOf(rs.getString("trigger_type")),
        RunStatus.valueOf(rs.getString("status")),
        json.readMap(rs.getString("inputs")),
        json.readMap(rs.getString("outputs")),
        rs.getInt("current_step"),
        rs.getInt("steps_total"),
        json.read(rs.getString("error"), RunError.class),
        rs.getString("cancel_reason"),
        rs.getString("worker_id"),
        rs.getBoolean("workflow_started"),
        rs.getLong("created_at"),
        startedAt,
        finishedAt,
        rs.getString("retry_of"),
        (Integer) rs.getObject("started_at_step"),
        json.read(rs.getString("waiting_for"), WaitingFor.class));
  }
}
