package dev.kestrel.store.db;

import dev.kestrel.model.Timestamps;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.model.api.WebhookAttempt;
import dev.kestrel.store.records.DeliveryAttempt;
import dev.kestrel.store.records.WaitingDelivery;
import dev.kestrel.store.records.WebhookDelivery;
import dev.kestrel.store.records.WebhookEndpointRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Webhook endpoints (deleted ones are kept, hidden, for their deliveries), deliveries and attempts.
 */
public class WebhookDao {
  private static final String ENDPOINT_COLUMNS =
      "id, organization_id, url, events, task_id, secret, created_at";

  private final Jdbi jdbi;
  private final JsonColumns json;

  public WebhookDao(Jdbi jdbi, JsonColumns json) {
    this.jdbi = jdbi;
    this.json = json;
  }

  public void insertEndpoint(WebhookEndpointRecord e) {
    jdbi.useHandle(h -> insertEndpoint(h, e));
  }

  /**
   * Inserts the endpoint unless its organization has {@code max} live endpoints already; false
   * then. Counting and inserting hold the organization's row locked, so concurrent requests cannot
   * go past the limit together.
   */
  public boolean insertEndpointWithinLimit(WebhookEndpointRecord e, int max) {
    return jdbi.inTransaction(
        h -> {
          Database.lockOrganization(h, e.organizationId());
          int live =
              h.createQuery(
                      "SELECT COUNT(*) FROM webhook_endpoints WHERE organization_id = :org AND deleted_at IS NULL")
                  .bind("org", e.organizationId())
                  .mapTo(Integer.class)
                  .one();
          if (live >= max) {
            return false;
          }
          insertEndpoint(h, e);
          return true;
        });
  }

  private void insertEndpoint(Handle h, WebhookEndpointRecord e) {
    h.createUpdate(
            "INSERT INTO webhook_endpoints ("
                + ENDPOINT_COLUMNS
                + ") "
                + "VALUES (:id, :org, :url, :events, :task, :secret, :createdAt)")
        .bind("id", e.id())
        .bind("org", e.organizationId())
        .bind("url", e.url())
        .bind("events", json.write(e.events()))
        .bind("task", e.taskId())
        .bind("secret", e.secret())
        .bind("createdAt", e.createdAt())
        .execute();
  }

  /** The organization's live endpoints, newest first. */
  public List<WebhookEndpointRecord> endpoints(String organizationId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + ENDPOINT_COLUMNS
                        + " FROM webhook_endpoints "
                        + "WHERE organization_id = :org AND deleted_at IS NULL ORDER BY created_at DESC, id")
                .bind("org", organizationId)
                .map(this::mapEndpoint)
                .list());
  }

  /** The live endpoints that cover a run of {@code taskId}. */
  public List<WebhookEndpointRecord> endpointsFor(String organizationId, String taskId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + ENDPOINT_COLUMNS
                        + " FROM webhook_endpoints WHERE organization_id = :org "
                        + "AND deleted_at IS NULL AND (task_id IS NULL OR task_id = :task) ORDER BY created_at, id")
                .bind("org", organizationId)
                .bind("task", taskId)
                .map(this::mapEndpoint)
                .list());
  }

  /** The same for a run's organization and task, in one query (the usual answer is none). */
  public List<WebhookEndpointRecord> endpointsForRun(String runId) {
    String columns =
        java.util.Arrays.stream(ENDPOINT_COLUMNS.split(", "))
            .map(c -> "e." + c)
            .collect(java.util.stream.Collectors.joining(", "));
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + columns
                        + " FROM webhook_endpoints e JOIN runs r ON r.organization_id = e.organization_id "
                        + "WHERE r.id = :run AND e.deleted_at IS NULL AND (e.task_id IS NULL OR e.task_id = r.task_id) "
                        + "ORDER BY e.created_at, e.id")
                .bind("run", runId)
                .map(this::mapEndpoint)
                .list());
  }

  public Optional<WebhookEndpointRecord> findEndpoint(String organizationId, String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + ENDPOINT_COLUMNS
                        + " FROM webhook_endpoints "
                        + "WHERE id = :id AND organization_id = :org AND deleted_at IS NULL")
                .bind("id", id)
                .bind("org", organizationId)
                .map(this::mapEndpoint)
                .findOne());
  }

  /** Hides the endpoint; its webhook workflows stop at their next delivery. */
  public boolean deleteEndpoint(String organizationId, String id) {
    return SoftDelete.hide(jdbi, "webhook_endpoints", organizationId, id);
  }

  /** Inserts the delivery unless it exists: its id is derived from what it delivers. */
  public void insertDelivery(
      String id, String endpointId, String runId, WebhookEvent event, String payload) {
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "INSERT INTO webhook_deliveries (id, endpoint_id, run_id, event, payload, created_at) "
                          + "VALUES (:id, :endpoint, :run, :event, :payload, :now)")
                  .bind("id", id)
                  .bind("endpoint", endpointId)
                  .bind("run", runId)
                  .bind("event", event.wireName())
                  .bind("payload", payload)
                  .bind("now", System.currentTimeMillis())
                  .execute());
    } catch (UnableToExecuteStatementException e) {
      if (!Database.isUniqueViolation(e)) {
        throw e;
      }
    }
  }

  /** A delivery to a live endpoint, with what signing needs; empty once the endpoint is deleted. */
  public Optional<WebhookDelivery> delivery(String deliveryId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT d.id, d.endpoint_id, e.url, e.secret, o.webhook_pepper, e.task_id, d.run_id, d.event, d.payload, d.created_at "
                        + "FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
                        + "JOIN organizations o ON o.id = e.organization_id "
                        + "WHERE d.id = :id AND e.deleted_at IS NULL")
                .bind("id", deliveryId)
                .map(
                    (rs, ctx) ->
                        new WebhookDelivery(
                            rs.getString("id"),
                            rs.getString("endpoint_id"),
                            rs.getString("url"),
                            rs.getString("secret"),
                            rs.getString("webhook_pepper"),
                            rs.getString("task_id"),
                            rs.getString("run_id"),
                            WebhookEvent.fromWire(rs.getString("event")),
                            rs.getString("payload"),
                            rs.getLong("created_at")))
                .findOne());
  }

  /**
   * Lifecycle deliveries to live endpoints neither delivered nor out of attempts (binds :log and
   * :max).
   */
  private static final String WAITING =
      "FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
          + "WHERE e.deleted_at IS NULL AND d.event <> :log AND NOT EXISTS ("
          + "SELECT 1 FROM webhook_attempts a WHERE a.delivery_id = d.id AND (a.delivered = TRUE OR a.attempt >= :max))";

  /**
   * Lifecycle deliveries to live endpoints with no delivered attempt and fewer than {@code
   * maxAttempts} attempts, oldest first. Log batches are not among them: a run's webhook workflow
   * prepares those itself.
   */
  public List<WaitingDelivery> waiting(int maxAttempts, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT d.id, d.endpoint_id, d.run_id, d.event, e.url "
                        + WAITING
                        + " ORDER BY d.created_at, d.id LIMIT :limit")
                .bind("log", WebhookEvent.LOG.wireName())
                .bind("max", maxAttempts)
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new WaitingDelivery(
                            rs.getString("id"),
                            rs.getString("endpoint_id"),
                            rs.getString("run_id"),
                            WebhookEvent.fromWire(rs.getString("event")),
                            rs.getString("url")))
                .list());
  }

  /**
   * How many deliveries {@link #waiting} would list, and when the oldest of them was recorded
   * (null: none).
   */
  public record Backlog(long count, Long oldestCreatedAtMillis) {}

  public Backlog backlog(int maxAttempts) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT COUNT(*) AS n, MIN(d.created_at) AS oldest " + WAITING)
                .bind("log", WebhookEvent.LOG.wireName())
                .bind("max", maxAttempts)
                .map(
                    (rs, ctx) -> {
                      long oldest = rs.getLong("oldest");
                      return new Backlog(rs.getLong("n"), rs.wasNull() ? null : oldest);
                    })
                .one());
  }

  public void insertAttempt(DeliveryAttempt a) {
    String error =
        a.error() != null && a.error().length() > 1000
            ? a.error().substring(0, 999) + "…"
            : a.error();
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, attempt, status_code, error, "
                        + "delivered, duration_ms, created_at) VALUES (:id, :delivery, :endpoint, :attempt, "
                        + ":status, :error, :delivered, :duration, :at)")
                .bind("id", UUID.randomUUID().toString())
                .bind("delivery", a.deliveryId())
                .bind("endpoint", a.endpointId())
                .bind("attempt", a.attempt())
                .bind("status", a.statusCode())
                .bind("error", error)
                .bind("delivered", a.delivered())
                .bind("duration", a.durationMs())
                .bind("at", a.at())
                .execute());
  }

  /** The endpoint's attempts, newest first; only those of one run when {@code runId} is given. */
  public List<WebhookAttempt> attempts(String endpointId, String runId, int limit) {
    return jdbi.withHandle(
        h -> {
          var query =
              h.createQuery(
                      "SELECT a.id, a.delivery_id, d.event, d.run_id, a.attempt, a.status_code, a.error, a.delivered, "
                          + "a.duration_ms, a.created_at FROM webhook_attempts a "
                          + "JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE a.endpoint_id = :endpoint "
                          + (runId == null ? "" : "AND d.run_id = :run ")
                          + "ORDER BY a.seq DESC LIMIT :limit")
                  .bind("endpoint", endpointId)
                  .bind("limit", limit);
          if (runId != null) {
            query.bind("run", runId);
          }
          return query
              .map(
                  (rs, ctx) -> {
                    int status = rs.getInt("status_code");
                    Integer statusCode = rs.wasNull() ? null : status;
                    return new WebhookAttempt(
                        rs.getString("id"),
                        rs.getString("delivery_id"),
                        WebhookEvent.fromWire(rs.getString("event")),
                        rs.getString("run_id"),
                        rs.getInt("attempt"),
                        statusCode,
                        rs.getString("error"),
                        rs.getBoolean("delivered"),
                        rs.getLong("duration_ms"),
                        Timestamps.iso(rs.getLong("created_at")));
                  })
              .list();
        });
  }

  private WebhookEndpointRecord mapEndpoint(ResultSet rs, StatementContext ctx)
      throws SQLException {
    WebhookEvent[] events = json.read(rs.getString("events"), WebhookEvent[].class);
    return new WebhookEndpointRecord(
        rs.getString("id"),
        rs.getString("organization_id"),
        rs.getString("url"),
        Arrays.asList(events),
        rs.getString("task_id"),
        rs.getString("secret"),
        rs.getLong("created_at"));
  }
}
