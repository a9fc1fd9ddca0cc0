package dev.kestrel.server.core;

/** An organization is over one of its fair-share caps: nothing was done; retry after a while. */
public final class TooManyRequests extends RuntimeException {
  private final String code;
  private final int retryAfterSeconds;

  public TooManyRequests(String code, int retryAfterSeconds) {
    super(code, null, false, false);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public String code() {
    return code;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
