package dev.kestrel.workflows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * The size of outputs as the API serves them: UTF-8 JSON bytes. A pure function of its argument, so
 * the workflow may call it (replay computes the same number from the same history).
 */
public final class OutputSizes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private OutputSizes() {}

  public static long of(Object value) {
    try {
      return JSON.writeValueAsBytes(value).length;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("outputs must be JSON", e);
    }
  }

  /** The output of {@code outputs} over {@code cap}, or null. */
  public static String over(Map<String, Object> outputs, long cap) {
    for (Map.Entry<String, Object> e : outputs.entrySet()) {
      if (of(e.getValue()) > cap) {
        return e.getKey();
      }
    }
    return null;
  }

  /** What a value is, as a message names it: a string, a number, an object. */
  public static String kind(Object value) {
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "true or false";
    }
    if (value instanceof Map) {
      return "an object";
    }
    return value instanceof java.util.List ? "a list" : "a value";
  }
}
