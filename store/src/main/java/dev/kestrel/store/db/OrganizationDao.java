package dev.kestrel.store.db;

import dev.kestrel.store.records.Organization;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

public class OrganizationDao {
  private static final String COLUMNS =
      "id, name, public_url, webhook_pepper, monthly_run_limit, max_active_runs, requests_per_second, "
          + "max_waiting_requests, created_at";

  private final Jdbi jdbi;

  public OrganizationDao(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public Organization create(String name, Integer monthlyRunLimit, String publicUrl) {
    Organization org =
        new Organization(
            UUID.randomUUID().toString(),
            name,
            publicUrl,
            null,
            monthlyRunLimit,
            Organization.FairShare.DEFAULTS,
            System.currentTimeMillis());
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO organizations (id, name, public_url, webhook_pepper, monthly_run_limit, created_at) "
                        + "VALUES (:id, :name, :publicUrl, :pepper, :limit, :createdAt)")
                .bind("id", org.id())
                .bind("name", org.name())
                .bind("publicUrl", org.publicUrl())
                .bind("pepper", org.webhookPepper())
                .bind("limit", org.monthlyRunLimit())
                .bind("createdAt", org.createdAt())
                .execute());
    return org;
  }

  public void setWebhookPepper(String id, String pepper) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE organizations SET webhook_pepper = :pepper WHERE id = :id")
                .bind("pepper", pepper)
                .bind("id", id)
                .execute());
  }

  public Optional<Organization> findByName(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM organizations WHERE name = :name")
                .bind("name", name)
                .map(OrganizationDao::map)
                .findOne());
  }

  public Optional<Organization> findById(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM organizations WHERE id = :id")
                .bind("id", id)
                .map(OrganizationDao::map)
                .findOne());
  }

  public List<Organization> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM organizations ORDER BY name")
                .map(OrganizationDao::map)
                .list());
  }

  /**
   * Sets the organization's limits; null clears one (no monthly limit, the server's default cap).
   */
  public void setLimits(String id, Integer monthlyRunLimit, Organization.FairShare fairShare) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE organizations SET monthly_run_limit = :monthly, max_active_runs = :active, "
                        + "requests_per_second = :rate, max_waiting_requests = :waiting WHERE id = :id")
                .bind("id", id)
                .bind("monthly", monthlyRunLimit)
                .bind("active", fairShare.maxActiveRuns())
                .bind("rate", fairShare.requestsPerSecond())
                .bind("waiting", fairShare.maxWaitingRequests())
                .execute());
  }

  static Organization map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new Organization(
        rs.getString("id"),
        rs.getString("name"),
        rs.getString("public_url"),
        rs.getString("webhook_pepper"),
        nullableInt(rs, "monthly_run_limit"),
        new Organization.FairShare(
            nullableInt(rs, "max_active_runs"),
            nullableInt(rs, "requests_per_second"),
            nullableInt(rs, "max_waiting_requests")),
        rs.getLong("created_at"));
  }

  private static Integer nullableInt(ResultSet rs, String column) throws SQLException {
    int value = rs.getInt(column);
    return rs.wasNull() ? null : value;
  }
}
