package dev.kestrel.server.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A file as a request carries it (SPEC 11): {@code {"name", "contentBase64"}}, in an upload step or
 * as the value of a {@code file} input; and the form the service keeps it in, {@code {"name",
 * "bytes", "sha256"}}, which a task read back and sent again may carry.
 */
public final class FileValue {
  /** The largest file an upload step puts in a page: 5 MiB (SPEC 11). */
  public static final long MAX_BYTES = 5L * 1024 * 1024;

  static final Set<String> SENT = Set.of("name", "contentBase64");
  static final Set<String> KEPT = Set.of("name", "bytes", "sha256");

  /** A file's name: no folders, no control characters, 255 characters at most. */
  private static final Pattern NAME = Pattern.compile("[^/\\\\\\p{Cntrl}]{1,255}");

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private FileValue() {}

  /**
   * What is wrong with {@code value} as a file sent in a request, of at most {@code maxBytes}; null
   * when it is one. With {@code keptAllowed}, the kept form is a file too.
   */
  public static String problem(JsonNode value, long maxBytes, boolean keptAllowed) {
    String shape =
        keptAllowed
            ? "a file is {\"name\", \"contentBase64\"} (or, read back, {\"name\", \"bytes\","
                + " \"sha256\"})"
            : "a file is {\"name\", \"contentBase64\"}";
    if (!value.isObject()) {
      return shape;
    }
    Set<String> keys = new java.util.HashSet<>();
    for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    JsonNode name = value.get("name");
    if (name == null || !name.isTextual() || !NAME.matcher(name.asText()).matches()) {
      return "a file's name is 1 to 255 characters, without '/', '\\' or control characters";
    }
    if (keys.equals(SENT)) {
      JsonNode content = value.get("contentBase64");
      if (!content.isTextual()) {
        return "contentBase64 must be a string";
      }
      // Checked on the text first: a huge value is refused before it is decoded.
      if (content.asText().length() > (maxBytes + 2) / 3 * 4) {
        return "a file is " + maxBytes + " bytes at most";
      }
      try {
        if (bytes(content.asText()).length > maxBytes) {
          return "a file is " + maxBytes + " bytes at most";
        }
      } catch (IllegalArgumentException e) {
        return "contentBase64 is not base64: " + e.getMessage();
      }
      return null;
    }
    if (keptAllowed && keys.equals(KEPT)) {
      return value.get("bytes").canConvertToLong()
              && value.get("sha256").isTextual()
              && SHA256.matcher(value.get("sha256").asText()).matches()
          ? null
          : "a kept file's bytes is a number and its sha256 64 hex digits";
    }
    return shape;
  }

  /** The bytes of a {@code contentBase64}. */
  public static byte[] bytes(String contentBase64) {
    return Base64.getDecoder().decode(contentBase64);
  }

  /** Whether a run's stored input value is a kept file ({@code {"name", "bytes", "sha256"}}). */
  public static boolean isKept(Object value) {
    return value instanceof Map<?, ?> map
        && map.keySet().equals(KEPT)
        && map.get("sha256") instanceof String sha
        && SHA256.matcher(sha).matches();
  }

  /** Whether a value is a file as a request sends it ({@code {"name", "contentBase64"}}). */
  public static boolean isSent(Object value) {
    return value instanceof Map<?, ?> map && map.keySet().equals(SENT);
  }
}
