package dev.kestrel.activities.browser;

/** A step did not succeed for a reason of the page or the task (not of the infrastructure). */
public final class StepFailedException extends RuntimeException {
  public StepFailedException(String message) {
    super(message);
  }
}
