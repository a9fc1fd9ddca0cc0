package dev.kestrel.server.core;

/**
 * The request cannot be taken as it is. {@code detail} is a code ({@code "invalid_json"}, {@code
 * "task_not_ready"}) or the list of {@link Problems}.
 */
public final class InvalidRequest extends RuntimeException {
  private final transient Object detail;
  private final int status;

  public InvalidRequest(Object detail) {
    this(detail, 400);
  }

  /** With a status other than 400: 413 for a request too large. */
  public InvalidRequest(Object detail, int status) {
    super(String.valueOf(detail), null, false, false);
    this.detail = detail;
    this.status = status;
  }

  /** {@code request_too_large} (413), found once the request's files were taken out. */
  public static InvalidRequest tooLarge() {
    return new InvalidRequest("request_too_large", 413);
  }

  public int status() {
    return status;
  }

  public Object detail() {
    return detail;
  }
}
