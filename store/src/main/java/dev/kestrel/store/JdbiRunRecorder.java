package dev.kestrel.store;

import dev.kestrel.model.LogLevel;
import dev.kestrel.store.RunChanges.Change;
import dev.kestrel.store.db.CheckpointDao;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.RunLogDao;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunRecordActivities;
import dev.kestrel.workflows.RunState;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The run index as the workers write it: registered as the run workflow's local activities, and the
 * log sink of the browser activities. Every write is idempotent, since activities retry.
 */
public class JdbiRunRecorder implements RunRecordActivities {
  private final Jdbi jdbi;
  private final RunDao runs;
  private final RunLogDao logs;
  private final RunChanges changes;
  private final CheckpointDao checkpoints;

  public JdbiRunRecorder(
      Jdbi jdbi, RunDao runs, RunLogDao logs, CheckpointDao checkpoints, RunChanges changes) {
    this.checkpoints = checkpoints;
    this.jdbi = jdbi;
    this.runs = runs;
    this.logs = logs;
    this.changes = changes;
  }

  @Override
  public void recordAccepted(RunInput input) {
    // The API inserts the row before it starts the workflow, so it is nearly always there; the
    // insert repairs a crash in between (and a duplicate insert costs an exception, so it comes
    // second).
    if (!runs.markStarted(input.runId()) && !runs.insert(input, true)) {
      runs.markStarted(input.runId());
    }
  }

  @Override
  public void recordState(String runId, RunState state) {
    boolean changed = runs.updateState(runId, state);
    if (changed && state.status().isTerminal()) {
      logs.appendDroppedNotice(runId);
    }
    if (changed) {
      changes.changed(runId, state.status().isTerminal() ? Change.END : Change.PROGRESS);
    }
  }

  @Override
  public void log(String runId, LogLevel level, String message, String nodeId) {
    log(runId, List.of(new LogLine(level, message, nodeId)));
  }

  @Override
  public void recordEnd(
      String runId, RunState state, LogLevel level, String message, String nodeId) {
    logs.append(runId, level, message, nodeId);
    recordState(runId, state);
  }

  /** Several entries in one write (what a step said while it ran, and its last line). */
  public void log(String runId, List<LogLine> lines) {
    if (!lines.isEmpty()) {
      logs.append(runId, lines);
      changes.changed(runId, Change.LOG);
    }
  }

  /**
   * A step ended: the run's progress as it began (when not written yet, else null), what it said
   * and its last line, and the browser's state after it when given, in one transaction (a step that
   * ends quickly, and its checkpoint, cost one commit). Returns whether the checkpoint was kept
   * (false without one, or when the run's row is gone).
   */
  public boolean stepEnds(
      String runId, RunState progress, List<LogLine> lines, Checkpoints.Sealed checkpoint) {
    if (progress == null && lines.isEmpty() && checkpoint == null) {
      return false;
    }
    StepWrite written =
        jdbi.inTransaction(
            h -> {
              boolean progressed = progress != null && runs.updateState(h, runId, progress);
              if (!lines.isEmpty()) {
                logs.append(h, runId, lines);
              }
              boolean kept =
                  checkpoint != null
                      && checkpoints.save(
                          h, runId, checkpoint.step(), checkpoint.bytes(), checkpoint.digest());
              return new StepWrite(progressed, kept);
            });
    if (written.progressed()) {
      changes.changed(runId, Change.PROGRESS);
    } else if (!lines.isEmpty()) {
      changes.changed(runId, Change.LOG);
    }
    return written.kept();
  }

  /** What a step's last write did: moved the run's progress, kept its checkpoint. */
  private record StepWrite(boolean progressed, boolean kept) {}

  /**
   * A step begins: the run's progress (when the workflow left it to the step) and the step's first
   * log lines, in one transaction.
   */
  public void stepBegins(String runId, RunState progress, List<LogLine> lines) {
    boolean changed =
        jdbi.inTransaction(
            h -> {
              boolean updated = progress != null && runs.updateState(h, runId, progress);
              logs.append(h, runId, lines);
              return updated;
            });
    changes.changed(runId, changed ? Change.PROGRESS : Change.LOG);
  }
}
