package dev.kestrel.model;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fields a step may carry (SPEC 6), with their JSON type and whether {@code {{inputs.x}}} and
 * {@code {{outputs.y}}} are substituted in them. Which action takes which is {@link StepAction}'s.
 */
public enum StepField {
  ID("id", Type.STRING, false),
  ACTION("action", Type.STRING, false),
  URL("url", Type.STRING, true),
  SELECTOR("selector", Type.STRING, true),
  VALUE("value", Type.STRING, true),
  KEY("key", Type.STRING, true),
  CHECKED("checked", Type.BOOLEAN, false),
  STATE("state", Type.STRING, false),
  MS("ms", Type.MILLISECONDS, false),
  ATTRIBUTE("attribute", Type.STRING, true),
  MODE("mode", Type.STRING, false),
  ALL("all", Type.BOOLEAN, false),
  OUTPUT("output", Type.STRING, false),
  FULL_PAGE("fullPage", Type.BOOLEAN, false),
  TEXT_CONTAINS("textContains", Type.STRING, true),
  VISIBLE("visible", Type.BOOLEAN, false),
  MESSAGE("message", Type.STRING, true),
  TIMEOUT_MS("timeoutMs", Type.MILLISECONDS, false),
  /** The step has an effect outside the page (an order, a message): it never runs twice. */
  ONCE("once", Type.BOOLEAN, false),
  /** What an {@code input} step asks a person (SPEC 10). */
  PROMPT("prompt", Type.STRING, true),
  /**
   * The values an {@code input} step asks for, or what an {@code extract} reads of each element, by
   * name: {@link FieldSpec}s.
   */
  FIELDS("fields", Type.OBJECT, false),
  /** How long an {@code input} step waits for its answer. */
  TIMEOUT_SECONDS("timeoutSeconds", Type.SECONDS, false),
  /** What an unanswered {@code input} step does: {@code fail} or {@code continue}. */
  ON_TIMEOUT("onTimeout", Type.STRING, false),
  /** When the step runs: a {@link StepCondition}; its texts are templated. */
  WHEN("when", Type.OBJECT, false),
  /** How often a failed step is tried again: {@link StepRetries}. */
  RETRIES("retries", Type.OBJECT, false),
  /** A failure of the step is logged and the run goes on. */
  OPTIONAL("optional", Type.BOOLEAN, false),
  /** A {@code goto} to a document answered with an HTTP error status counts as done. */
  ALLOW_ERROR_STATUS("allowErrorStatus", Type.BOOLEAN, false),
  /** The JavaScript expression an {@code evaluate} step runs in the page. */
  EXPRESSION("expression", Type.STRING, false),
  /** Where a {@code scroll} step scrolls the page: {@code bottom} or {@code top}. */
  TO("to", Type.STRING, false),
  /** The iframe ({@code css}) a locator step acts in. */
  FRAME("frame", Type.STRING, true),
  /** A {@code click} that opens a tab goes on in that tab. */
  POPUP("popup", Type.BOOLEAN, false),
  /** An {@code extract} adds to its list output instead of replacing it. */
  APPEND("append", Type.BOOLEAN, false),
  /** The steps a loop runs each round: {@link StepSpec}s, read like the task's own. */
  STEPS("steps", Type.STEPS, false),
  /** What a {@code forEach} goes through: a template naming a list ({@code {{outputs.x}}}). */
  ITEMS("items", Type.STRING, false),
  /** The name of a {@code forEach}'s item in its steps: {@code item} by default. */
  AS("as", Type.STRING, false),
  /** How many items a {@code forEach} goes through at most. */
  MAX_ITEMS("maxItems", Type.COUNT, false),
  /** How many rounds a {@code repeat} runs at most. */
  MAX("max", Type.COUNT, false),
  /** The file an {@code upload} step puts in a file field: {@link StepFile}. */
  FILE("file", Type.FILE, false);

  public enum Type {
    STRING,
    BOOLEAN,
    MILLISECONDS,
    SECONDS,
    OBJECT,
    /** A whole number from 1 to the server's limit of step executions per run. */
    COUNT,
    /** A list of steps. */
    STEPS,
    /** A file input's template, or {@code {"name", "contentBase64"}}. */
    FILE
  }

  /** Fields every action takes. */
  public static final Set<StepField> COMMON =
      Set.of(ID, ACTION, TIMEOUT_MS, ONCE, WHEN, RETRIES, OPTIONAL);

  private static final Map<String, StepField> BY_WIRE_NAME =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(StepField::wireName, Function.identity()));

  private final String wireName;
  private final Type type;
  private final boolean templated;

  StepField(String wireName, Type type, boolean templated) {
    this.wireName = wireName;
    this.type = type;
    this.templated = templated;
  }

  public static Optional<StepField> find(String wireName) {
    return Optional.ofNullable(BY_WIRE_NAME.get(wireName));
  }

  public String wireName() {
    return wireName;
  }

  public Type type() {
    return type;
  }

  public boolean templated() {
    return templated;
  }
}
