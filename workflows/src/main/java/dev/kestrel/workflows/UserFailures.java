package dev.kestrel.workflows;

import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;

/**
 * Failures of a run for a user's reason (the page, the task, its inputs), as opposed to faults of
 * ours. They are BENIGN application failures without a stack trace: the Temporal SDK logs benign
 * activity failures at debug only, the server's log filter drops its warning for a benign workflow
 * failure, and the Temporal UI shows the error code as the failure's type and the user's message,
 * never a Java stack trace.
 */
public final class UserFailures {
  private static final StackTraceElement[] NO_STACK = new StackTraceElement[0];

  private UserFailures() {}

  /** A non-retryable failure of type {@code type} (a failure type or a run error code). */
  public static ApplicationFailure of(String message, String type) {
    ApplicationFailure failure =
        ApplicationFailure.newBuilder()
            .setMessage(message)
            .setType(type)
            .setNonRetryable(true)
            .setCategory(ApplicationErrorCategory.BENIGN)
            .build();
    failure.setStackTrace(NO_STACK);
    return failure;
  }
}
