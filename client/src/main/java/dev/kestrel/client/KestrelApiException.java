package dev.kestrel.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Optional;

/**
 * The API answered with an error status. {@link #detail()} is the answer's {@code detail}: a code
 * such as {@code run_not_found}, a validation list naming every problem, or an object (402).
 */
public class KestrelApiException extends KestrelException {
  private final int status;
  private final JsonNode detail;
  private final Duration retryAfter;
  private final String errorId;

  public KestrelApiException(
      String request, int status, JsonNode detail, Duration retryAfter, String errorId) {
    super(request + " answered " + status + (detail == null ? "" : ": " + detail), null);
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
    this.errorId = errorId;
  }

  public int status() {
    return status;
  }

  /** The answer's {@code detail}, or null when its body was not the API's error shape. */
  public JsonNode detail() {
    return detail;
  }

  /**
   * The error's code: {@code detail} when it is text, its {@code code} when it is an object (402),
   * {@code validation_error} for a list of problems.
   */
  public String code() {
    if (detail == null) {
      return null;
    }
    if (detail.isTextual()) {
      return detail.asText();
    }
    if (detail.isArray()) {
      return "validation_error";
    }
    return detail.path("code").asText(null);
  }

  /** {@code Retry-After} of a 429 or 503. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** {@code X-Kestrel-Error-Id} of a 500: the server log's entry to look for. */
  public Optional<String> errorId() {
    return Optional.ofNullable(errorId);
  }
}
