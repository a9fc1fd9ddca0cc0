package dev.kestrel.server.resources;

import java.util.Set;

/** The body of {@code POST /task-runs/{id}/cancel}: an optional reason, shown on the run. */
public record CancelRunRequest(String reason) {
  static final int MAX_REASON = 1024;
  private static final Set<String> FIELDS = Set.of("reason");

  static CancelRunRequest read(JsonObjectReader body) {
    body.allowOnly(FIELDS);
    String reason =
        body.optionalString(
            "reason",
            0,
            MAX_REASON,
            "value_error",
            "reason must be a string of at most " + MAX_REASON + " characters");
    body.throwIfAny();
    return new CancelRunRequest(reason);
  }
}
