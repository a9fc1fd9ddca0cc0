package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.server.core.Problems;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /task-runs/{id}/retry} (extension): the step to start from (default: the
 * one that failed), inputs over the original's, an idempotency key, and the once-steps a person
 * confirmed may run again.
 */
public record RetryRunRequest(
    Integer fromStep, ObjectNode inputs, String clientRequestId, List<String> confirm) {
  private static final Set<String> FIELDS =
      Set.of("fromStep", "inputs", "clientRequestId", "confirm");

  static RetryRunRequest read(JsonObjectReader body) {
    body.allowOnly(FIELDS);
    Integer fromStep = body.optionalInt("fromStep", 1, Integer.MAX_VALUE);
    ObjectNode inputs = body.optionalObject("inputs", "inputs must be an object");
    String clientRequestId = QueueRunRequest.clientRequestId(body);
    List<String> confirm = new ArrayList<>();
    JsonNode given = body.get("confirm");
    if (given != null && !given.isNull()) {
      if (!given.isArray()) {
        body.problems().add(body.at("confirm"), "type_error", "confirm must be a list of step ids");
      } else {
        for (int i = 0; i < given.size(); i++) {
          if (!given.get(i).isTextual()) {
            body.problems()
                .add(
                    Problems.at(body.at("confirm"), i),
                    "type_error",
                    "confirm must be a list of step ids");
          } else {
            confirm.add(given.get(i).asText());
          }
        }
      }
    }
    body.throwIfAny();
    return new RetryRunRequest(fromStep, inputs, clientRequestId, confirm);
  }
}
