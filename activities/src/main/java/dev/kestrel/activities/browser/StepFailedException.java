package dev.kestrel.activities.browser;

import dev.kestrel.workflows.BrowserActivities;

/** A step did not succeed for a reason of the page or the task (not of the infrastructure). */
public final class StepFailedException extends RuntimeException {
  private final String failureType;

  public StepFailedException(String message) {
    this(message, BrowserActivities.STEP_FAILED);
  }

  private StepFailedException(String message, String failureType) {
    super(message);
    this.failureType = failureType;
  }

  /** The page had to go where the egress policy does not allow. */
  static StepFailedException egressRefused(String message) {
    return new StepFailedException(message, BrowserActivities.EGRESS_REFUSED);
  }

  /** A {@code goto} reached a document answered with an HTTP error status. */
  static StepFailedException navigationFailed(String message) {
    return new StepFailedException(message, BrowserActivities.NAVIGATION_FAILED);
  }

  /** Whether trying the step again may help: not when the egress policy refused it. */
  boolean retryable() {
    return !failureType.equals(BrowserActivities.EGRESS_REFUSED);
  }

  /** The activity failure type the workflow maps to the run's error code. */
  public String failureType() {
    return failureType;
  }
}
