package dev.kestrel.server.resources;

import dev.kestrel.server.core.Problems;
import java.util.List;

/** Query parameters are taken as strings and checked here, so that a bad one is a clear 400. */
final class QueryParams {
  private QueryParams() {}

  static int intIn(String value, String name, int min, int max, int fallback) {
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // Falls through to the 400.
    }
    throw Problems.single(
        List.of("query", name),
        "value_error",
        name + " must be a whole number from " + min + " to " + max);
  }
}
