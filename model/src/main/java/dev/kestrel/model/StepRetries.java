package dev.kestrel.model;

/**
 * How often a failed step is tried again (SPEC 11, {@code "retries"}): up to {@code max} more
 * attempts (0 to 10), {@code delayMs} apart (default 1 s). A step marked {@code once} takes none.
 */
public record StepRetries(int max, Long delayMs) {
  public static final int MAX = 10;
  public static final long DEFAULT_DELAY_MS = 1_000;
  public static final long MAX_DELAY_MS = 60_000;

  public long delay() {
    return delayMs != null ? delayMs : DEFAULT_DELAY_MS;
  }
}
