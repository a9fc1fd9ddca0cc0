package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.model.ProfileSpec;
import dev.kestrel.model.TraceMode;
import java.util.Set;

/**
 * The body of {@code POST /tasks/{id}/runs}: inputs (checked against the task later), an
 * idempotency key, and (extensions) the run's trace mode, null for the task's or the server's, and
 * its profile and upstream proxy (SPEC 12), null for the task's.
 */
public record QueueRunRequest(
    ObjectNode inputs, String clientRequestId, TraceMode trace, ProfileSpec profile, String proxy) {
  private static final Set<String> FIELDS =
      Set.of("inputs", "clientRequestId", "trace", "profile", "proxy");

  static QueueRunRequest read(JsonObjectReader body) {
    body.allowOnly(FIELDS);
    ObjectNode inputs = body.optionalObject("inputs", "inputs must be an object");
    String clientRequestId = clientRequestId(body);
    TraceMode trace = TaskReader.trace(body);
    ProfileSpec profile = TaskReader.profile(body);
    String proxy = TaskReader.proxy(body);
    body.throwIfAny();
    return new QueueRunRequest(inputs, clientRequestId, trace, profile, proxy);
  }

  /** An idempotency key: 1 to 255 characters, or null. */
  static String clientRequestId(JsonObjectReader body) {
    return body.optionalString(
        "clientRequestId",
        1,
        255,
        "value_error",
        "clientRequestId must be a string of 1 to 255 characters");
  }
}
