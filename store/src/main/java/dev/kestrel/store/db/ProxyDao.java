package dev.kestrel.store.db;

import dev.kestrel.store.records.ProxyRecord;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Upstream proxies of organizations. */
public class ProxyDao {
  private static final String COLUMNS =
      "id, organization_id, name, server, username, password_sealed, created_at";
  private static final RowMapper<ProxyRecord> PROXY =
      (rs, ctx) ->
          new ProxyRecord(
              rs.getString("id"),
              rs.getString("organization_id"),
              rs.getString("name"),
              rs.getString("server"),
              rs.getString("username"),
              rs.getBytes("password_sealed"),
              rs.getLong("created_at"));

  private final Jdbi jdbi;

  public ProxyDao(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** Inserts the proxy unless the organization has {@code max} already or one of that name. */
  public Database.NamedInsert insertWithinLimit(ProxyRecord p, int max) {
    return Database.insertNamedWithinLimit(
        jdbi,
        "proxies",
        p.organizationId(),
        p.name(),
        max,
        h ->
            h.createUpdate(
                    "INSERT INTO proxies ("
                        + COLUMNS
                        + ") VALUES (:id, :org, :name, :server, :username, :password, :created)")
                .bind("id", p.id())
                .bind("org", p.organizationId())
                .bind("name", p.name())
                .bind("server", p.server())
                .bind("username", p.username())
                .bind("password", p.passwordSealed())
                .bind("created", p.createdAt())
                .execute());
  }

  public List<ProxyRecord> list(String organizationId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM proxies WHERE organization_id = :org ORDER BY name")
                .bind("org", organizationId)
                .map(PROXY)
                .list());
  }

  public Optional<ProxyRecord> findByName(String organizationId, String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM proxies WHERE organization_id = :org AND name = :name")
                .bind("org", organizationId)
                .bind("name", name)
                .map(PROXY)
                .findOne());
  }

  /** A proxy by id alone: for a worker opening a run's browser, the run's organization's. */
  public Optional<ProxyRecord> findById(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM proxies WHERE id = :id")
                .bind("id", id)
                .map(PROXY)
                .findOne());
  }

  public boolean delete(String organizationId, String id) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM proxies WHERE id = :id AND organization_id = :org")
                    .bind("id", id)
                    .bind("org", organizationId)
                    .execute()
                == 1);
  }
}
