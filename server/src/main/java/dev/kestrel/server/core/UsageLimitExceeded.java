package dev.kestrel.server.core;

/**
 * The organization used its runs for the month ({@code monthlyRunLimit}); times are ISO instants.
 */
public final class UsageLimitExceeded extends RuntimeException {
  private final int limit;
  private final long used;
  private final String periodStart;
  private final String periodEnd;

  public UsageLimitExceeded(int limit, long used, String periodStart, String periodEnd) {
    super("usage_limit_exceeded", null, false, false);
    this.limit = limit;
    this.used = used;
    this.periodStart = periodStart;
    this.periodEnd = periodEnd;
  }

  public int limit() {
    return limit;
  }

  public long used() {
    return used;
  }

  public String periodStart() {
    return periodStart;
  }

  public String periodEnd() {
    return periodEnd;
  }
}
