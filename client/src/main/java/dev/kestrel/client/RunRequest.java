package dev.kestrel.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kestrel.model.ProfileSpec;
import dev.kestrel.model.TraceMode;
import java.util.Map;

/**
 * The body of a queue request: inputs over the task's defaults, and an optional idempotency key.
 * With a {@code clientRequestId} any number of repeats make one run, so the client may also retry
 * the request after a connection error.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRequest(
    Map<String, Object> inputs,
    String clientRequestId,
    TraceMode trace,
    ProfileSpec profile,
    String proxy) {
  public static RunRequest defaults() {
    return new RunRequest(null, null, null, null, null);
  }

  public static RunRequest withInputs(Map<String, Object> inputs) {
    return new RunRequest(inputs, null, null, null, null);
  }

  public RunRequest clientRequestId(String id) {
    return new RunRequest(inputs, id, trace, profile, proxy);
  }

  /** Extension (SPEC 12): the run's browser goes through this upstream proxy (null: the task's). */
  public RunRequest proxy(String name) {
    return new RunRequest(inputs, clientRequestId, trace, profile, name);
  }

  /**
   * Extension (SPEC 12): the run starts from this browser profile, and saves back to it as it says
   * (null: the task's profile, if any).
   */
  public RunRequest profile(ProfileSpec spec) {
    return new RunRequest(inputs, clientRequestId, trace, spec, proxy);
  }

  /**
   * Extension: record the run's sessions as Playwright traces, and which to keep (null: the task's
   * or the server's choice).
   */
  public RunRequest trace(TraceMode mode) {
    return new RunRequest(inputs, clientRequestId, mode, profile, proxy);
  }
}
