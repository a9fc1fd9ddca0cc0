package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/** The body of {@code POST /tasks/{id}/runs}: inputs (checked against the task later) and an idempotency key. */
public record QueueRunRequest(ObjectNode inputs, String clientRequestId) {
  private static final Set<String> FIELDS = Set.of("inputs", "clientRequestId");

  static QueueRunRequest read(JsonObjectReader body) {
    body.allowOnly(FIELDS);
    ObjectNode inputs = body.optionalObject("inputs", "inputs must be an object");
    String clientRequestId =
        body.optionalString(
            "clientRequestId", 1, 255, "value_error", "clientRequestId must be a string of 1 to 255 characters");
    body.throwIfAny();
    return new QueueRunRequest(inputs, clientRequestId);
  }
}
