package dev.kestrel.store.db;

import dev.kestrel.model.TaskDefinition;
import dev.kestrel.store.records.TaskRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** Saved tasks. Deleting is soft: runs keep pointing at their task, and stay readable. */
public class TaskDao {
  private static final String COLUMNS =
      "id, organization_id, definition, status, version, created_at, updated_at";

  private final Jdbi jdbi;
  private final JsonColumns json;

  public TaskDao(Jdbi jdbi, JsonColumns json) {
    this.jdbi = jdbi;
    this.json = json;
  }

  public void insert(TaskRecord task) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO tasks (id, organization_id, name, status, version, definition, created_at, updated_at) "
                        + "VALUES (:id, :org, :name, :status, :version, :definition, :createdAt, :updatedAt)")
                .bind("id", task.id())
                .bind("org", task.organizationId())
                .bind("name", task.definition().name())
                .bind("status", task.status())
                .bind("version", task.version())
                .bind("definition", json.write(task.definition()))
                .bind("createdAt", task.createdAt())
                .bind("updatedAt", task.updatedAt())
                .execute());
  }

  /** Saves a new version; returns the task as stored, or empty if it does not exist. */
  public Optional<TaskRecord> update(
      String organizationId, String id, TaskDefinition definition, String status) {
    int updated =
        jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE tasks SET name = :name, status = :status, definition = :definition, "
                            + "version = version + 1, updated_at = :now "
                            + "WHERE id = :id AND organization_id = :org AND deleted_at IS NULL")
                    .bind("name", definition.name())
                    .bind("status", status)
                    .bind("definition", json.write(definition))
                    .bind("now", System.currentTimeMillis())
                    .bind("id", id)
                    .bind("org", organizationId)
                    .execute());
    return updated == 0 ? Optional.empty() : find(organizationId, id);
  }

  public Optional<TaskRecord> find(String organizationId, String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM tasks "
                        + "WHERE id = :id AND organization_id = :org AND deleted_at IS NULL")
                .bind("id", id)
                .bind("org", organizationId)
                .map(this::map)
                .findOne());
  }

  /** A task by its id alone, whichever organization holds it: for the operator's commands. */
  public Optional<TaskRecord> findById(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM tasks WHERE id = :id AND deleted_at IS NULL")
                .bind("id", id)
                .map(this::map)
                .findOne());
  }

  public boolean delete(String organizationId, String id) {
    return SoftDelete.hide(jdbi, "tasks", organizationId, id);
  }

  public record Page(List<TaskRecord> tasks, long total) {}

  public Page list(String organizationId, int limit, int offset, String search, String status) {
    String where =
        " FROM tasks WHERE organization_id = :org AND deleted_at IS NULL"
            + (search == null ? "" : " AND LOWER(name) LIKE :pattern ESCAPE '\\'")
            + (status == null ? "" : " AND status = :status");
    return jdbi.withHandle(
        h -> {
          Query count = h.createQuery("SELECT COUNT(*)" + where);
          Query rows =
              h.createQuery(
                  "SELECT "
                      + COLUMNS
                      + where
                      + " ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset");
          for (Query q : List.of(count, rows)) {
            q.bind("org", organizationId);
            if (search != null) {
              q.bind(
                  "pattern", Database.containsPattern(search.toLowerCase(java.util.Locale.ROOT)));
            }
            if (status != null) {
              q.bind("status", status);
            }
          }
          long total = count.mapTo(Long.class).one();
          List<TaskRecord> tasks =
              rows.bind("limit", limit).bind("offset", offset).map(this::map).list();
          return new Page(tasks, total);
        });
  }

  private TaskRecord map(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx)
      throws SQLException {
    return new TaskRecord(
        rs.getString("id"),
        rs.getString("organization_id"),
        json.read(rs.getString("definition"), TaskDefinition.class),
        rs.getString("status"),
        rs.getInt("version"),
        rs.getLong("created_at"),
        rs.getLong("updated_at"));
  }
}
