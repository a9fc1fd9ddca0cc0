package dev.kestrel.server.resources;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.server.core.InvalidRequest;
import dev.kestrel.server.core.Problems;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one JSON object of a request body (or an object inside it) into typed values, adding a
 * problem under the field's location for everything wrong, so that one 400 names all of it. Request
 * bodies are read here rather than bound by Jersey, so that every malformed body gets the same
 * answers: {@code invalid_json}, or the list of problems.
 */
public final class JsonObjectReader {
  /**
   * How deep a request body may nest. Far under what the store's own JSON reading allows (1,000),
   * so that nothing accepted can ever fail to read back.
   */
  public static final int MAX_NESTING_DEPTH = 64;

  private final ObjectNode node;
  private final List<Object> loc;
  private final Problems problems;

  public JsonObjectReader(ObjectNode node, List<Object> loc, Problems problems) {
    this.node = node;
    this.loc = List.copyOf(loc);
    this.problems = problems;
  }

  /**
   * The mapper request bodies are read with: {@code base}'s modules and settings, plus a key that
   * appears twice in one object refused (rather than the last one winning silently) and nesting
   * bounded by {@link #MAX_NESTING_DEPTH}.
   */
  public static ObjectMapper strict(ObjectMapper base) {
    ObjectMapper strict = base.copy();
    strict
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
    strict.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    return strict;
  }

  /**
   * The request body as an object at {@code ["body"]}; an empty body is {@code {}} when {@code
   * emptyAllowed}. {@code mapper} is a {@link #strict} one.
   */
  public static JsonObjectReader body(ObjectMapper mapper, byte[] body, boolean emptyAllowed) {
    List<Object> loc = List.of("body");
    if (body == null || isBlank(body)) {
      if (emptyAllowed) {
        return new JsonObjectReader(mapper.createObjectNode(), loc, new Problems());
      }
      throw Problems.single(loc, "missing", "a JSON object is required");
    }
    JsonNode node;
    try {
      node = mapper.readTree(body);
    } catch (StreamConstraintsException e) {
      throw Problems.single(
          loc, "value_error", "the body nests deeper than " + MAX_NESTING_DEPTH + " levels");
    } catch (JsonParseException e) {
      if (e.getOriginalMessage().startsWith("Duplicate field")) {
        throw Problems.single(
            loc, "value_error", "a key appears twice in one object: " + e.getOriginalMessage());
      }
      throw new InvalidRequest("invalid_json");
    } catch (IOException e) {
      throw new InvalidRequest("invalid_json");
    }
    if (node == null || node.isMissingNode()) {
      throw new InvalidRequest("invalid_json");
    }
    if (!node.isObject()) {
      throw Problems.single(loc, "type_error", "the body must be a JSON object");
    }
    return new JsonObjectReader((ObjectNode) node, loc, new Problems());
  }

  /** A reader of the object in {@code field}, sharing this one's problems. */
  public JsonObjectReader object(String field, ObjectNode value) {
    return new JsonObjectReader(value, at(field), problems);
  }

  public ObjectNode node() {
    return node;
  }

  public Problems problems() {
    return problems;
  }

  /** The location of {@code key} in this object. */
  public List<Object> at(Object key) {
    return Problems.at(loc, key);
  }

  public List<Object> loc() {
    return loc;
  }

  /** Adds an {@code extra_forbidden} problem for every field not in {@code allowed}. */
  public JsonObjectReader allowOnly(Set<String> allowed) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!allowed.contains(field)) {
        problems.add(at(field), "extra_forbidden", "unknown field '" + field + "'");
      }
    }
    return this;
  }

  /** Whether the field is there and not null. */
  public boolean has(String field) {
    JsonNode value = node.get(field);
    return value != null && !value.isNull();
  }

  /** The field's value, or null when it is absent or null. */
  public JsonNode get(String field) {
    return has(field) ? node.get(field) : null;
  }

  public Iterator<Map.Entry<String, JsonNode>> fields() {
    return node.fields();
  }

  /** A non-blank string of at most {@code max} characters; a problem when absent or otherwise. */
  public String requiredString(String field, int max) {
    if (!has(field)) {
      problems.add(at(field), "missing", field + " is required");
      return null;
    }
    JsonNode value = node.get(field);
    if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > max) {
      problems.add(
          at(field),
          "type_error",
          field + " must be a non-empty string of at most " + max + " characters");
      return null;
    }
    return value.asText();
  }

  /** A string of at most {@code max} characters, or null when absent. */
  public String optionalString(String field, int max) {
    return optionalString(
        field, 0, max, "type_error", field + " must be a string of at most " + max + " characters");
  }

  /**
   * A string of {@code min} to {@code max} characters, or null when absent; otherwise a problem of
   * {@code type} saying {@code message}.
   */
  public String optionalString(String field, int min, int max, String type, String message) {
    if (!has(field)) {
      return null;
    }
    JsonNode value = node.get(field);
    if (!value.isTextual() || value.asText().length() < min || value.asText().length() > max) {
      problems.add(at(field), type, message);
      return null;
    }
    return value.asText();
  }

  /** A whole number from {@code min} to {@code max}, or null when absent. */
  public Integer optionalInt(String field, int min, int max) {
    if (!has(field)) {
      return null;
    }
    JsonNode value = node.get(field);
    if (!value.isIntegralNumber()
        || !value.canConvertToInt()
        || value.intValue() < min
        || value.intValue() > max) {
      problems.add(
          at(field), "value_error", field + " must be a whole number from " + min + " to " + max);
      return null;
    }
    return value.intValue();
  }

  /** true or false, or null when absent. */
  public Boolean optionalBoolean(String field) {
    if (!has(field)) {
      return null;
    }
    JsonNode value = node.get(field);
    if (!value.isBoolean()) {
      problems.add(at(field), "type_error", field + " must be true or false");
      return null;
    }
    return value.booleanValue();
  }

  /** An object, or null when absent; a problem saying {@code message} when it is something else. */
  public ObjectNode optionalObject(String field, String message) {
    if (!has(field)) {
      return null;
    }
    JsonNode value = node.get(field);
    if (!value.isObject()) {
      problems.add(at(field), "type_error", message);
      return null;
    }
    return (ObjectNode) value;
  }

  /** Throws every problem found so far by this reader and the readers it made. */
  public void throwIfAny() {
    problems.throwIfAny();
  }

  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }
}
