package dev.kestrel.store.db;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Sealed files of upload steps, one per (owner, content): the owner is a task or a run of one
 * organization. The same bytes kept twice for one owner are one row.
 */
public class UploadFileDao {
  private final Jdbi jdbi;

  public UploadFileDao(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** Keeps a file of {@code owner}, unless it has those bytes already. */
  public void save(String owner, String organizationId, String sha256, byte[] sealed, long bytes) {
    jdbi.useTransaction(
        h -> {
          if (!has(h, owner, sha256)) {
            h.createUpdate(
                    "INSERT INTO upload_files "
                        + "(owner_id, sha256, organization_id, sealed, bytes, created_at) "
                        + "VALUES (:owner, :sha, :org, :sealed, :bytes, :now)")
                .bind("owner", owner)
                .bind("sha", sha256)
                .bind("org", organizationId)
                .bind("sealed", sealed)
                .bind("bytes", bytes)
                .bind("now", System.currentTimeMillis())
                .execute();
          }
        });
  }

  /** A kept file's organization and sealed bytes. */
  public record Row(String organizationId, byte[] sealed) {}

  /** The sealed file of {@code owner} with those bytes, if it is kept. */
  public Optional<Row> find(String owner, String sha256) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT organization_id, sealed FROM upload_files "
                        + "WHERE owner_id = :owner AND sha256 = :sha")
                .bind("owner", owner)
                .bind("sha", sha256)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getBytes(2)))
                .findOne());
  }

  /**
   * Copies {@code from}'s files with these digests to {@code to} (one organization's), but those
   * {@code to} has already; returns the digests neither has.
   */
  public List<String> copy(
      String from, String to, String organizationId, Collection<String> sha256s) {
    return jdbi.inTransaction(
        h -> {
          List<String> missing = new ArrayList<>();
          for (String sha : sha256s) {
            if (has(h, to, sha)) {
              continue;
            }
            int copied =
                h.createUpdate(
                        "INSERT INTO upload_files "
                            + "(owner_id, sha256, organization_id, sealed, bytes, created_at) "
                            + "SELECT :to, sha256, organization_id, sealed, bytes, :now "
                            + "FROM upload_files "
                            + "WHERE owner_id = :from AND organization_id = :org AND sha256 = :sha")
                    .bind("to", to)
                    .bind("from", from)
                    .bind("org", organizationId)
                    .bind("sha", sha)
                    .bind("now", System.currentTimeMillis())
                    .execute();
            if (copied == 0) {
              missing.add(sha);
            }
          }
          return missing;
        });
  }

  private static boolean has(Handle h, String owner, String sha256) {
    return h.createQuery(
                "SELECT COUNT(*) FROM upload_files WHERE owner_id = :owner AND sha256 = :sha")
            .bind("owner", owner)
            .bind("sha", sha256)
            .mapTo(Integer.class)
            .one()
        > 0;
  }

  /** Deletes {@code owner}'s files but those with {@code kept} digests. */
  public void deleteAllBut(String owner, Collection<String> kept) {
    jdbi.useHandle(
        h -> {
          List<String> there =
              h.createQuery("SELECT sha256 FROM upload_files WHERE owner_id = :owner")
                  .bind("owner", owner)
                  .mapTo(String.class)
                  .list();
          for (String sha : there) {
            if (!kept.contains(sha)) {
              h.createUpdate("DELETE FROM upload_files WHERE owner_id = :owner AND sha256 = :sha")
                  .bind("owner", owner)
                  .bind("sha", sha)
                  .execute();
            }
          }
        });
  }

  /**
   * Deletes the files of runs that ended before {@code cutoffMillis}, and files older than it whose
   * owner is neither a task nor a run (a run refused, or its API gone, between keeping its files
   * and recording it); returns how many.
   */
  public int deleteOfRunsEndedBefore(long cutoffMillis) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                        "DELETE FROM upload_files WHERE owner_id IN "
                            + "(SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < :cutoff)")
                    .bind("cutoff", cutoffMillis)
                    .execute()
                + h.createUpdate(
                        "DELETE FROM upload_files WHERE created_at < :cutoff "
                            + "AND owner_id NOT IN (SELECT id FROM runs) "
                            + "AND owner_id NOT IN (SELECT id FROM tasks)")
                    .bind("cutoff", cutoffMillis)
                    .execute());
  }
}
