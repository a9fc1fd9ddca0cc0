package dev.kestrel.server.core;

/**
 * The run's workflow refused an answer to an input step: the run does not wait for it ({@code
 * notWaiting}), or its values do not fit (the message names the field).
 */
public final class InputRefused extends RuntimeException {
  private final boolean notWaiting;

  public InputRefused(boolean notWaiting, String message) {
    super(message, null, false, false);
    this.notWaiting = notWaiting;
  }

  public boolean notWaiting() {
    return notWaiting;
  }
}
