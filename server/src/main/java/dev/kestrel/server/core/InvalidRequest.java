package dev.kestrel.server.core;

/**
 * The request cannot be taken as it is. {@code detail} is a code ({@code "invalid_json"}, {@code
 * "task_not_ready"}) or the list of {@link Problems}.
 */
public final class InvalidRequest extends RuntimeException {
  private final transient Object detail;

  public InvalidRequest(Object detail) {
    super(String.valueOf(detail), null, false, false);
    this.detail = detail;
  }

  public Object detail() {
    return detail;
  }
}
