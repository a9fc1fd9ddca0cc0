package dev.kestrel.api.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kestrel.api.errors.ApiException;
import dev.kestrel.api.errors.Problems;
import java.util.List;

/**
 * Request bodies are read here rather than bound by Jersey, so that every malformed body gets the
 * same answers: {@code invalid_json}, or a validation list naming what is wrong.
 */
public final class JsonBodies {
  private final ObjectMapper mapper;

  public JsonBodies(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The body as a JSON object; an empty body is {@code {}} when {@code emptyAllowed}. */
  public ObjectNode object(byte[] body, boolean emptyAllowed) {
    if (body == null || isBlank(body)) {
      if (emptyAllowed) {
        return mapper.createObjectNode();
      }
      throw ApiException.badRequest(
          new Problems().add(List.of("body"), "missing", "a JSON object is required").items());
    }
    JsonNode node;
    try {
      node = mapper.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("invalid_json");
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("invalid_json");
    }
    if (node == null || node.isMissingNode()) {
      throw ApiException.badRequest("invalid_json");
    }
    if (!node.isObject()) {
      throw ApiException.badRequest(
          new Problems().add(List.of("body"), "type_error", "the body must be a JSON object").items());
    }
    return (ObjectNode) node;
  }

  public Object toJava(JsonNode node) {
    return mapper.convertValue(node, Object.class);
  }

  public <T> T convert(JsonNode node, Class<T> type) {
    return mapper.convertValue(node, type);
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
