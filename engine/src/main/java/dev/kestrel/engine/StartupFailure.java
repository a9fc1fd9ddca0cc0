package dev.kestrel.engine;

/**
 * The process cannot start as configured. The message names the setting or the fact to change and
 * is printed alone, without a stack trace: it is meant for the person who started us.
 */
public final class StartupFailure extends RuntimeException {
  public StartupFailure(String message) {
    super(message, null, false, false);
  }

  public StartupFailure(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
