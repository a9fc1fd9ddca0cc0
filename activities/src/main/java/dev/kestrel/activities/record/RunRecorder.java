package dev.kestrel.activities.record;

import dev.kestrel.model.LogLevel;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunState;

/**
 * The run index as activities see it. Implemented by the store of the runnable (JDBI), kept an
 * interface here so activities stay free of JDBC and can be tested on their own.
 */
public interface RunRecorder {

  /** Inserts the run's row unless it exists. */
  void recordAccepted(RunInput input);

  /** Writes status, progress, timestamps, outputs and error; a terminal row is never changed. */
  void recordState(String runId, RunState state);

  /** Appends a log entry; the store bounds message length and entries per run. */
  void appendLog(String runId, LogLevel level, String message, String nodeId);
}
