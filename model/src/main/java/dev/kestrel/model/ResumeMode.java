package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * How a run whose browser session was lost goes on (a task's {@code "resume"}): from its last
 * checkpoint at the next step (the default), or over from step 1, for pages whose state cannot be
 * restored. Neither ever repeats a completed once-step.
 */
public enum ResumeMode {
  CHECKPOINT("checkpoint"),
  RESTART("restart");

  private final String wireName;

  ResumeMode(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  public static Optional<ResumeMode> find(String wireName) {
    return Arrays.stream(values()).filter(m -> m.wireName.equals(wireName)).findFirst();
  }

  @JsonCreator
  public static ResumeMode fromWire(String wireName) {
    return find(wireName)
        .orElseThrow(() -> new IllegalArgumentException("unknown resume mode " + wireName));
  }
}
