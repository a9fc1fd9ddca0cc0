package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/** The events a webhook endpoint can subscribe to (SPEC 7), by their wire names. */
public enum WebhookEvent {
  STARTED("task-run.started"),
  COMPLETED("task-run.completed"),
  FAILED("task-run.failed"),
  CANCELLED("task-run.cancelled"),
  LOG("task-run.log"),
  /** A run waits for a person's input (SPEC 10); sent only to endpoints that name it. */
  WAITING("task-run.waiting");

  private final String wireName;

  WebhookEvent(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /**
   * Whether only endpoints that name this event get it: an endpoint of every event (no list), as a
   * Komos client makes it, sees nothing beyond Komos's events.
   */
  public boolean isExtension() {
    return this == WAITING;
  }

  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  public static Optional<WebhookEvent> find(String wireName) {
    return Arrays.stream(values()).filter(e -> e.wireName.equals(wireName)).findFirst();
  }

  @JsonCreator
  public static WebhookEvent fromWire(String wireName) {
    return find(wireName)
        .orElseThrow(() -> new IllegalArgumentException("unknown event " + wireName));
  }

  /** The event announcing that a run reached {@code status}, if it is a lifecycle transition. */
  public static Optional<WebhookEvent> forStatus(RunStatus status) {
    return switch (status) {
      case RUNNING -> Optional.of(STARTED);
      case COMPLETED -> Optional.of(COMPLETED);
      case FAILED -> Optional.of(FAILED);
      case CANCELLED -> Optional.of(CANCELLED);
      default -> Optional.empty();
    };
  }
}
