package dev.kestrel.client;

import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;

/**
 * What a run's log stream carries: a log entry as it is stored, or the run when its status or step
 * changed.
 */
public sealed interface RunEvent {
  record Log(LogEntry entry) implements RunEvent {}

  record RunChanged(Run run) implements RunEvent {}
}
