package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The file an {@code upload} step puts in a file field (SPEC 11): on the wire either a template
 * naming a file input ({@code "{{inputs.invoice}}"}) or an object. A client sends {@code {"name",
 * "contentBase64"}}; the service keeps the bytes sealed in its store and the definition, the run
 * and the workflow carry only {@code {"name", "bytes", "sha256"}}, so that no file travels in the
 * workflow history (whose payloads Temporal caps at 2 MB).
 */
public record StepFile(
    String name, String contentBase64, Long bytes, String sha256, String template) {

  /** The file a whole-value template names: a file input. */
  public static StepFile ofTemplate(String template) {
    return new StepFile(null, null, null, null, template);
  }

  /** A file the store keeps, by the SHA-256 of its bytes (hex). */
  public static StepFile stored(String name, long bytes, String sha256) {
    return new StepFile(name, null, bytes, sha256, null);
  }

  /** Reads the wire form: a template string, or an object. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static StepFile read(Object wire) {
    if (wire instanceof String template) {
      return ofTemplate(template);
    }
    if (wire instanceof Map<?, ?> map) {
      Object bytes = map.get("bytes");
      return new StepFile(
          text(map.get("name")),
          text(map.get("contentBase64")),
          bytes instanceof Number n ? n.longValue() : null,
          text(map.get("sha256")),
          null);
    }
    throw new IllegalArgumentException("a file is a template string or an object");
  }

  private static String text(Object value) {
    return value instanceof String s ? s : null;
  }

  /** The wire form: the template, or the object's fields that are set. */
  @JsonValue
  public Object wire() {
    if (template != null) {
      return template;
    }
    Map<String, Object> wire = new LinkedHashMap<>();
    put(wire, "name", name);
    put(wire, "contentBase64", contentBase64);
    put(wire, "bytes", bytes);
    put(wire, "sha256", sha256);
    return wire;
  }

  private static void put(Map<String, Object> wire, String key, Object value) {
    if (value != null) {
      wire.put(key, value);
    }
  }

  /** Whether the file is a file input's, named by a template the workflow resolves. */
  public boolean fromInput() {
    return template != null;
  }

  /** Whether the store keeps the bytes (only their digest travels). */
  public boolean kept() {
    return template == null && sha256 != null && contentBase64 == null;
  }
}
