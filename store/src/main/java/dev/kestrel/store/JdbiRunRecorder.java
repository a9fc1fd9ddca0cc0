package dev.kestrel.store;

import dev.kestrel.model.LogLevel;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.RunLogDao;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunRecordActivities;
import dev.kestrel.workflows.RunState;

/**
 * The run index as the workers write it: registered as the run workflow's local activities, and
 * the log sink of the browser activities. Every write is idempotent, since activities retry.
 */
public class JdbiRunRecorder implements RunRecordActivities {
  private final RunDao runs;
  private final RunLogDao logs;
  private final RunChanges changes;

  public JdbiRunRecorder(RunDao runs, RunLogDao logs, RunChanges changes) {
    this.runs = runs;
    this.logs = logs;
    this.changes = changes;
  }

  @Override
  public void recordAccepted(RunInput input) {
    if (!runs.insert(input, true)) {
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
      changes.changed(runId);
    }
  }

  @Override
  public void log(String runId, LogLevel level, String message, String nodeId) {
    logs.append(runId, level, message, nodeId);
    changes.changed(runId);
  }
}
