package dev.kestrel.client;

import dev.kestrel.model.RunStatus;

/** {@code GET /task-runs}: nulls leave the server's defaults (limit 50, every status and task). */
public record RunQuery(RunStatus status, String taskId, Integer limit, String cursor) {
  public static RunQuery all() {
    return new RunQuery(null, null, null, null);
  }

  public RunQuery status(RunStatus value) {
    return new RunQuery(value, taskId, limit, cursor);
  }

  public RunQuery taskId(String value) {
    return new RunQuery(status, value, limit, cursor);
  }

  public RunQuery limit(int value) {
    return new RunQuery(status, taskId, value, cursor);
  }

  /** The page after the one whose {@code nextCursor} this is. */
  public RunQuery cursor(String value) {
    return new RunQuery(status, taskId, limit, value);
  }
}
