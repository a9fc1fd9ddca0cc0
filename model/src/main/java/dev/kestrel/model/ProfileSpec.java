package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The browser profile a task or a run request names (SPEC 12): the run's browser starts from its
 * current version, and its state at the end becomes the next version as {@code save} says ({@code
 * onSuccess} by default). {@code check}, when given, verifies the login before step 1.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProfileSpec(String name, String save, Check check) {
  public static final String SAVE_ON_SUCCESS = "onSuccess";
  public static final String SAVE_NEVER = "never";
  public static final String SAVE_ALWAYS = "always";

  /** A page and an element on it that only a logged-in browser sees. */
  public record Check(String url, String selector) {}

  /** Whether a run that ended {@code status} saves its state as the next version. */
  public boolean savesAfter(RunStatus status) {
    String mode = save != null ? save : SAVE_ON_SUCCESS;
    return switch (mode) {
      case SAVE_ALWAYS -> status == RunStatus.COMPLETED || status == RunStatus.FAILED;
      case SAVE_NEVER -> false;
      default -> status == RunStatus.COMPLETED;
    };
  }
}
