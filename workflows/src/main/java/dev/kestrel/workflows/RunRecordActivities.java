package dev.kestrel.workflows;

import dev.kestrel.model.LogLevel;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Writes to the run index that the API reads (run rows and log entries). Run as local activities;
 * every method is idempotent so that retries are harmless.
 */
@ActivityInterface
public interface RunRecordActivities {

  /** Upserts the run's row: repairs a crash between accepting a run and starting its workflow. */
  @ActivityMethod
  void recordAccepted(RunInput input);

  @ActivityMethod
  void recordState(String runId, RunState state);

  @ActivityMethod
  void log(String runId, LogLevel level, String message, String nodeId);

  /** The run's last log entry and its terminal state, in one call. */
  @ActivityMethod
  void recordEnd(String runId, RunState state, LogLevel level, String message, String nodeId);
}
