package dev.kestrel.store.db;

import dev.kestrel.store.records.ProfileRecord;
import dev.kestrel.store.records.ProfileVersionRecord;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Profiles and their versions. A version is written once and never changed; a new one is numbered
 * under the profile's row lock, so concurrent saves each get their own.
 */
public class ProfileDao {
  private static final String COLUMNS =
      "id, organization_id, name, version, bytes, created_at, updated_at";
  private static final RowMapper<ProfileRecord> PROFILE =
      (rs, ctx) ->
          new ProfileRecord(
              rs.getString("id"),
              rs.getString("organization_id"),
              rs.getString("name"),
              rs.getInt("version"),
              rs.getLong("bytes"),
              rs.getLong("created_at"),
              rs.getLong("updated_at"));
  private static final RowMapper<ProfileVersionRecord> VERSION =
      (rs, ctx) ->
          new ProfileVersionRecord(
              rs.getInt("version"),
              rs.getLong("bytes"),
              rs.getString("source"),
              (Integer) rs.getObject("based_on"),
              rs.getString("run_id"),
              rs.getLong("created_at"));

  private final Jdbi jdbi;

  public ProfileDao(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * Inserts an empty profile unless the organization has {@code max} already or one of that name.
   */
  public Database.NamedInsert insertWithinLimit(ProfileRecord p, int max) {
    return Database.insertNamedWithinLimit(
        jdbi,
        "profiles",
        p.organizationId(),
        p.name(),
        max,
        h ->
            h.createUpdate(
                    "INSERT INTO profiles ("
                        + COLUMNS
                        + ") VALUES (:id, :org, :name, 0, 0, :created, :created)")
                .bind("id", p.id())
                .bind("org", p.organizationId())
                .bind("name", p.name())
                .bind("created", p.createdAt())
                .execute());
  }

  public List<ProfileRecord> list(String organizationId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM profiles WHERE organization_id = :org ORDER BY name")
                .bind("org", organizationId)
                .map(PROFILE)
                .list());
  }

  public Optional<ProfileRecord> find(String organizationId, String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM profiles WHERE id = :id AND organization_id = :org")
                .bind("id", id)
                .bind("org", organizationId)
                .map(PROFILE)
                .findOne());
  }

  /** A profile by id alone: for a worker saving a run's state, the run's organization's. */
  public Optional<ProfileRecord> findById(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM profiles WHERE id = :id")
                .bind("id", id)
                .map(PROFILE)
                .findOne());
  }

  public Optional<ProfileRecord> findByName(String organizationId, String name) {
    return jdbi.withHandle(h -> findByName(h, organizationId, name));
  }

  private static Optional<ProfileRecord> findByName(Handle h, String organizationId, String name) {
    return h.createQuery(
            "SELECT " + COLUMNS + " FROM profiles WHERE organization_id = :org AND name = :name")
        .bind("org", organizationId)
        .bind("name", name)
        .map(PROFILE)
        .findOne();
  }

  /** Deletes the profile and every version of it; false when the organization has no such one. */
  public boolean delete(String organizationId, String id) {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate(
                  "DELETE FROM profile_versions WHERE profile_id = :id AND organization_id = :org")
              .bind("id", id)
              .bind("org", organizationId)
              .execute();
          return h.createUpdate("DELETE FROM profiles WHERE id = :id AND organization_id = :org")
                  .bind("id", id)
                  .bind("org", organizationId)
                  .execute()
              == 1;
        });
  }

  /** The versions kept, newest first. */
  public List<ProfileVersionRecord> versions(String organizationId, String profileId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT version, bytes, source, based_on, run_id, created_at FROM profile_versions "
                        + "WHERE profile_id = :id AND organization_id = :org ORDER BY version DESC")
                .bind("id", profileId)
                .bind("org", organizationId)
                .map(VERSION)
                .list());
  }

  /** The sealed state of a version, if it is kept. */
  public Optional<byte[]> sealed(String profileId, int version) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT sealed FROM profile_versions WHERE profile_id = :id AND version = :v")
                .bind("id", profileId)
                .bind("v", version)
                .mapTo(byte[].class)
                .findOne());
  }

  /** The version run {@code runId} saved of the profile, if it saved one (a save retried). */
  public Optional<Added> savedBy(String profileId, String runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT v.version, p.version AS current FROM profile_versions v JOIN profiles p"
                        + " ON p.id = v.profile_id WHERE v.profile_id = :id AND v.run_id = :run"
                        + " AND v.source = 'run'")
                .bind("id", profileId)
                .bind("run", runId)
                .map((rs, ctx) -> new Added(rs.getInt(1), rs.getInt(1) - 1))
                .findFirst());
  }

  /** The new version a save made, and the version that was current before it. */
  public record Added(int version, int previous) {}

  /** How a new version's state is sealed once its number is known (it is bound to it). */
  public interface Sealing {
    byte[] seal(int version);
  }

  /**
   * Adds the next version under the profile's row lock and makes it current; only the newest {@code
   * keep} are kept. Empty when the profile is gone.
   */
  public Optional<Added> addVersion(
      String organizationId,
      String profileId,
      Sealing sealing,
      long bytes,
      String source,
      Integer basedOn,
      String runId,
      int keep) {
    return jdbi.inTransaction(
        h -> {
          Optional<Integer> current =
              h.createQuery(
                      "SELECT version FROM profiles WHERE id = :id AND organization_id = :org FOR UPDATE")
                  .bind("id", profileId)
                  .bind("org", organizationId)
                  .mapTo(Integer.class)
                  .findOne();
          if (current.isEmpty()) {
            return Optional.empty();
          }
          int previous =
              h.createQuery(
                      "SELECT COALESCE(MAX(version), 0) FROM profile_versions WHERE profile_id = :id")
                  .bind("id", profileId)
                  .mapTo(Integer.class)
                  .one();
          int version = Math.max(previous, current.get()) + 1;
          long now = System.currentTimeMillis();
          h.createUpdate(
                  "INSERT INTO profile_versions (profile_id, version, organization_id, sealed, bytes,"
                      + " source, based_on, run_id, created_at) VALUES (:id, :v, :org, :sealed,"
                      + " :bytes, :source, :basedOn, :run, :now)")
              .bind("id", profileId)
              .bind("v", version)
              .bind("org", organizationId)
              .bind("sealed", sealing.seal(version))
              .bind("bytes", bytes)
              .bind("source", source)
              .bind("basedOn", basedOn)
              .bind("run", runId)
              .bind("now", now)
              .execute();
          h.createUpdate(
                  "UPDATE profiles SET version = :v, bytes = :bytes, updated_at = :now WHERE id = :id")
              .bind("v", version)
              .bind("bytes", bytes)
              .bind("now", now)
              .bind("id", profileId)
              .execute();
          h.createUpdate(
                  "DELETE FROM profile_versions WHERE profile_id = :id AND version <= :oldest")
              .bind("id", profileId)
              .bind("oldest", version - keep)
              .execute();
          return Optional.of(new Added(version, current.get()));
        });
  }
}
