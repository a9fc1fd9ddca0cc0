package dev.kestrel.model;

/** Lifecycle of a run: PENDING → RUNNING → one of the terminal states, which never change again. */
public enum RunStatus {
  PENDING,
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
