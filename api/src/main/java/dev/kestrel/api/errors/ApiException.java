package dev.kestrel.api.errors;

import java.util.Map;

/**
 * An answer other than success, in FastAPI's shape {@code {"detail": ...}}. {@code detail} is a
 * code string, or an object or list where more is said.
 */
public class ApiException extends RuntimeException {
  private final int status;
  private final transient Object detail;
  private final Map<String, String> headers;

  public ApiException(int status, Object detail) {
    this(status, detail, Map.of());
  }

  public ApiException(int status, Object detail, Map<String, String> headers) {
    super(String.valueOf(detail), null, false, false);
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }

  public static ApiException badRequest(Object detail) {
    return new ApiException(400, detail);
  }

  public static ApiException notFound(String detail) {
    return new ApiException(404, detail);
  }

  public int status() {
    return status;
  }

  public Object detail() {
    return detail;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
