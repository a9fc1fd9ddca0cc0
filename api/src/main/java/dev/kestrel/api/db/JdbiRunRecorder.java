package dev.kestrel.api.db;

import dev.kestrel.activities.record.RunRecorder;
import dev.kestrel.model.LogLevel;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;

/** The activities' view of the run index, on this store. */
public class JdbiRunRecorder implements RunRecorder {
  private final RunDao runs;
  private final RunLogDao logs;

  public JdbiRunRecorder(RunDao runs, RunLogDao logs) {
    this.runs = runs;
    this.logs = logs;
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
  }

  @Override
  public void appendLog(String runId, LogLevel level, String message, String nodeId) {
    logs.append(runId, level, message, nodeId);
  }
}
