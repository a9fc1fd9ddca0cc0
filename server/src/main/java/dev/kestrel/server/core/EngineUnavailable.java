package dev.kestrel.server.core;

/** The workflow engine did not answer in time: nothing was started or cancelled; try again soon. */
public final class EngineUnavailable extends RuntimeException {
  public static final int RETRY_AFTER_SECONDS = 5;

  public EngineUnavailable(Throwable cause) {
    super("workflow engine unavailable: " + cause.getMessage(), cause);
  }
}
