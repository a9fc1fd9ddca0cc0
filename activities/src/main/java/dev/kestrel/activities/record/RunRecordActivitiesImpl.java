package dev.kestrel.activities.record;

import dev.kestrel.model.LogLevel;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunRecordActivities;
import dev.kestrel.workflows.RunState;

public class RunRecordActivitiesImpl implements RunRecordActivities {
  private final RunRecorder recorder;

  public RunRecordActivitiesImpl(RunRecorder recorder) {
    this.recorder = recorder;
  }

  @Override
  public void recordAccepted(RunInput input) {
    recorder.recordAccepted(input);
  }

  @Override
  public void recordState(String runId, RunState state) {
    recorder.recordState(runId, state);
  }

  @Override
  public void log(String runId, LogLevel level, String message, String nodeId) {
    recorder.appendLog(runId, level, message, nodeId);
  }
}
