package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * Whether a run's browser sessions are recorded as Playwright traces (screenshots, DOM snapshots,
 * network), and which are kept: none, those of a session that failed, or all.
 */
public enum TraceMode {
  OFF("off"),
  ON_FAILURE("on-failure"),
  ALWAYS("always");

  private final String wireName;

  TraceMode(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  public static Optional<TraceMode> find(String wireName) {
    return Arrays.stream(values()).filter(m -> m.wireName.equals(wireName)).findFirst();
  }

  @JsonCreator
  public static TraceMode fromWire(String wireName) {
    return find(wireName)
        .orElseThrow(() -> new IllegalArgumentException("unknown trace mode " + wireName));
  }

  /** Whether sessions are recorded at all. */
  public boolean records() {
    return this != OFF;
  }
}
