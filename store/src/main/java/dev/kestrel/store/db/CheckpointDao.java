package dev.kestrel.store.db;

import dev.kestrel.workflows.BrowserActivities;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Sealed browser checkpoints of runs, one per (run, completed step). A step written again (its
 * session was lost after it ended, and it ran once more) replaces its row.
 */
public class CheckpointDao {
  private final Jdbi jdbi;

  public CheckpointDao(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * Keeps the run's checkpoint after {@code step}; false when the run is not (or no longer)
   * recorded.
   */
  public boolean save(String runId, int step, byte[] sealed, String digest) {
    return jdbi.inTransaction(h -> save(h, runId, step, sealed, digest));
  }

  /** The same within the caller's transaction (a step's last log lines and its checkpoint). */
  public boolean save(
      org.jdbi.v3.core.Handle h, String runId, int step, byte[] sealed, String digest) {
    h.createUpdate("DELETE FROM run_checkpoints WHERE run_id = :run AND step = :step")
        .bind("run", runId)
        .bind("step", step)
        .execute();
    return h.createUpdate(
                "INSERT INTO run_checkpoints (run_id, step, organization_id, sealed, digest, created_at) "
                    + "SELECT id, :step, organization_id, :sealed, :digest, :now FROM runs WHERE id = :run")
            .bind("run", runId)
            .bind("step", step)
            .bind("sealed", sealed)
            .bind("digest", digest)
            .bind("now", System.currentTimeMillis())
            .execute()
        == 1;
  }

  /** The sealed checkpoint after {@code step}, if it is there and still has {@code digest}. */
  public Optional<byte[]> find(String runId, int step, String digest) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT sealed FROM run_checkpoints WHERE run_id = :run AND step = :step AND digest = :digest")
                .bind("run", runId)
                .bind("step", step)
                .bind("digest", digest)
                .mapTo(byte[].class)
                .findOne());
  }

  /**
   * The row and digest of the state after top-level {@code step}: the step's own, or for a loop,
   * its last nested step's (the newer of the loop's two rows, {@code Checkpoint.loopRow}).
   */
  public Optional<java.util.Map.Entry<Integer, String>> after(String runId, int step) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT step, digest FROM run_checkpoints WHERE run_id = :run "
                        + "AND step IN (:own, :turn0, :turn1) "
                        + "ORDER BY CASE WHEN step = :own THEN 0 ELSE 1 END, created_at DESC")
                .bind("run", runId)
                .bind("own", step)
                .bind("turn0", BrowserActivities.Checkpoint.loopRow(step, 0))
                .bind("turn1", BrowserActivities.Checkpoint.loopRow(step, 1))
                .map((rs, ctx) -> java.util.Map.entry(rs.getInt("step"), rs.getString("digest")))
                .findFirst());
  }

  /** Deletes the checkpoints of runs that ended before {@code cutoffMillis}; returns how many. */
  public int deleteOfRunsEndedBefore(long cutoffMillis) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "DELETE FROM run_checkpoints WHERE run_id IN "
                        + "(SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < :cutoff)")
                .bind("cutoff", cutoffMillis)
                .execute());
  }
}
