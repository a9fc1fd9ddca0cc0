package dev.kestrel.server.core;

import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.db.CheckpointDao;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.UploadFileDao;
import dev.kestrel.store.records.RunRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the files of runs that ended longer ago than the retention period ({@code
 * artifacts.retentionDays}), at start and then every {@code artifacts.cleanupIntervalMinutes}. A
 * run still PENDING or RUNNING keeps its files whatever their age; a folder whose run the store
 * does not know (deleted by hand, another installation's) goes once it has been untouched that
 * long.
 */
public final class ArtifactRetention {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactRetention.class);

  private final ArtifactStore artifacts;
  private final RunDao runs;
  private final CheckpointDao checkpoints;
  private final UploadFileDao uploadFiles;
  private final Duration retention;
  private final Duration interval;

  public ArtifactRetention(
      ArtifactStore artifacts,
      RunDao runs,
      CheckpointDao checkpoints,
      UploadFileDao uploadFiles,
      Duration retention,
      Duration interval) {
    this.uploadFiles = uploadFiles;
    this.artifacts = artifacts;
    this.runs = runs;
    this.checkpoints = checkpoints;
    this.retention = retention;
    this.interval = interval;
  }

  /** One sweep as of {@code nowMillis}; returns how many runs' folders it deleted. */
  public int sweep(long nowMillis) {
    long before = nowMillis - retention.toMillis();
    int deleted = 0;
    for (String runId : artifacts.runIds()) {
      Optional<RunRecord> run = runs.findById(runId);
      boolean expired =
          run.isPresent()
              ? run.get().status().isTerminal()
                  && run.get().finishedAt() != null
                  && run.get().finishedAt() < before
              : artifacts.lastModified(runId) < before;
      if (expired) {
        artifacts.deleteRun(runId);
        deleted++;
      }
    }
    // The runs' sealed browser checkpoints and upload files go with their files.
    checkpoints.deleteOfRunsEndedBefore(before);
    uploadFiles.deleteOfRunsEndedBefore(before);
    return deleted;
  }

  /** Sweeps at once and then every interval on {@code timer} (the process's lifecycle stops it). */
  public void scheduleOn(ScheduledExecutorService timer) {
    timer.scheduleWithFixedDelay(this::sweepQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void sweepQuietly() {
    try {
      int deleted = sweep(System.currentTimeMillis());
      if (deleted > 0) {
        LOG.info(
            "Deleted the files of {} runs that ended more than {} days ago",
            deleted,
            retention.toDays());
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Artifact retention sweep failed; trying again in {} min: {}",
          interval.toMinutes(),
          e.toString());
    }
  }
}
