package dev.kestrel.server.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.InputSpec;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run's effective inputs: the request's values merged over the task's defaults, type-checked. */
public final class InputResolver {
  private final ObjectMapper mapper;
  private final long maxFileBytes;

  public InputResolver(ObjectMapper mapper) {
    this(mapper, FileValue.MAX_BYTES);
  }

  /** {@code maxFileBytes}: the largest value of a {@code file} input. */
  public InputResolver(ObjectMapper mapper, long maxFileBytes) {
    this.mapper = mapper;
    this.maxFileBytes = maxFileBytes;
  }

  /** The largest value of a {@code file} input. */
  public long maxFileBytes() {
    return maxFileBytes;
  }

  /**
   * Resolves the inputs of a run request (SPEC 4): a {@code file} input takes {@code {"name",
   * "contentBase64"}}.
   */
  public Map<String, Object> resolve(
      Map<String, InputSpec> declared, JsonNode given, List<Object> loc, Problems problems) {
    return resolve(declared, given, loc, problems, true);
  }

  /**
   * Resolves {@code given} (an object or null) against the declared inputs, adding a problem under
   * {@code loc} for every undeclared key, wrong type and missing required input. Without {@code
   * filesAllowed} (a schedule's inputs, kept with the task), a file input cannot be given.
   */
  public Map<String, Object> resolve(
      Map<String, InputSpec> declared,
      JsonNode given,
      List<Object> loc,
      Problems problems,
      boolean filesAllowed) {
    Map<String, InputSpec> specs = declared == null ? Map.of() : declared;
    Map<String, Object> effective = new LinkedHashMap<>();
    specs.forEach(
        (name, spec) -> {
          if (spec.defaultValue() != null) {
            effective.put(name, spec.defaultValue());
          }
        });
    if (given != null && !given.isNull()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        List<Object> at = Problems.at(loc, field.getKey());
        InputSpec spec = specs.get(field.getKey());
        if (spec == null) {
          problems.add(
              at, "undeclared_input", "input '" + field.getKey() + "' is not declared by the task");
        } else if (!typeMatches(spec.type(), field.getValue())) {
          problems.add(
              at,
              "type_error",
              "input '"
                  + field.getKey()
                  + "' must be of type "
                  + spec.type()
                  + ", got "
                  + jsonType(field.getValue()));
        } else if (InputSpec.FILE.equals(spec.type()) && !filesAllowed) {
          problems.add(
              at,
              "value_error",
              "input '" + field.getKey() + "' is a file, which only a run's request carries");
        } else if (InputSpec.FILE.equals(spec.type())
            && FileValue.problem(field.getValue(), maxFileBytes, false) != null) {
          problems.add(
              at,
              "value_error",
              "input '"
                  + field.getKey()
                  + "': "
                  + FileValue.problem(field.getValue(), maxFileBytes, false));
        } else {
          effective.put(field.getKey(), toJava(field.getValue()));
        }
      }
    }
    specs.forEach(
        (name, spec) -> {
          if (spec.mustBeGiven()
              && !effective.containsKey(name)
              && (given == null || !given.has(name))) {
            problems.add(Problems.at(loc, name), "missing", "input '" + name + "' is required");
          }
        });
    return effective;
  }

  /** Stored inputs (a schedule's) as the JSON object {@link #resolve} reads. */
  public JsonNode asObject(Map<String, Object> values) {
    return mapper.valueToTree(values);
  }

  public static boolean typeMatches(String type, JsonNode value) {
    return switch (type) {
      case "string" -> value.isTextual();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case InputSpec.FILE -> value.isObject();
      default -> false;
    };
  }

  public static String jsonType(JsonNode value) {
    if (value.isTextual()) {
      return "string";
    }
    if (value.isNumber()) {
      return "number";
    }
    if (value.isBoolean()) {
      return "boolean";
    }
    if (value.isArray()) {
      return "array";
    }
    if (value.isObject()) {
      return "object";
    }
    return "null";
  }

  /** A JSON value as plain Java (maps, lists, strings, numbers, booleans), as it is stored. */
  public Object toJava(JsonNode value) {
    return mapper.convertValue(value, Object.class);
  }
}
