package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What started a run; lower-case on the wire as Komos has it. */
public enum TriggerType {
  API,
  SCHEDULE,
  MANUAL;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  @JsonCreator
  public static TriggerType fromWire(String value) {
    return valueOf(value.toUpperCase(java.util.Locale.ROOT));
  }
}
