package dev.kestrel.server.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /task-runs/{id}/input} (SPEC 10): the input step it answers and its
 * values. Through an input link the step is the link's, so {@code stepId} may be left out there.
 */
public record InputRequest(String stepId, Map<String, Object> values) {
  private static final Set<String> FIELDS = Set.of("stepId", "values");

  static InputRequest read(JsonObjectReader body, ObjectMapper mapper, boolean stepIdRequired) {
    body.allowOnly(FIELDS);
    String stepId =
        stepIdRequired ? body.requiredString("stepId", 64) : body.optionalString("stepId", 64);
    ObjectNode values = body.optionalObject("values", "values must be an object of field values");
    if (values == null && !body.has("values")) {
      body.problems().add(body.at("values"), "missing", "values is required");
    }
    body.throwIfAny();
    @SuppressWarnings("unchecked")
    Map<String, Object> map = mapper.convertValue(values, LinkedHashMap.class);
    return new InputRequest(stepId, map);
  }
}
