package dev.kestrel.model;

/**
 * Why a run failed: {@code code} is machine-readable ({@code step_failed}, {@code timeout}, {@code
 * browser_crashed}), {@code nodeId} the step it failed at, or null.
 */
public record RunError(String code, String message, String nodeId) {
  public static final String STEP_FAILED = "step_failed";
  public static final String TIMEOUT = "timeout";
  public static final String BROWSER_CRASHED = "browser_crashed";

  /** A navigation went where the egress policy does not allow. */
  public static final String EGRESS_REFUSED = "egress_refused";

  /** An output, or all of a run's outputs together, went over the configured cap. */
  public static final String OUTPUT_TOO_LARGE = "output_too_large";

  /**
   * A step marked {@code once} may have begun when its session was lost, or starting over would run
   * a completed one again: it is not repeated, and a person checks what it did.
   */
  public static final String INTERRUPTED_SIDE_EFFECT = "interrupted_side_effect";

  /**
   * A {@code goto} reached a document answered with an HTTP error status (400 or more), and the
   * step does not allow it.
   */
  public static final String NAVIGATION_FAILED = "navigation_failed";

  /** An {@code input} step with {@code onTimeout: fail} got no answer in time. */
  public static final String INPUT_TIMEOUT = "input_timeout";

  /** The run executed as many steps as one run may (loops included; SPEC 11: 10,000). */
  public static final String STEP_LIMIT = "step_limit";

  /**
   * The run's profile failed its {@code check} before step 1: its login expired (SPEC 12); or the
   * version it started from is no longer kept.
   */
  public static final String PROFILE_EXPIRED = "profile_expired";

  /** The engine lost the run and its input was not kept (a row from before inputs were kept). */
  public static final String ENGINE_LOST = "engine_lost";
}
