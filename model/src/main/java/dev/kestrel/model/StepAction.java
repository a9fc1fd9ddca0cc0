package dev.kestrel.model;

import static dev.kestrel.model.StepField.ALL;
import static dev.kestrel.model.StepField.ALLOW_ERROR_STATUS;
import static dev.kestrel.model.StepField.APPEND;
import static dev.kestrel.model.StepField.AS;
import static dev.kestrel.model.StepField.ATTRIBUTE;
import static dev.kestrel.model.StepField.CHECKED;
import static dev.kestrel.model.StepField.EXPRESSION;
import static dev.kestrel.model.StepField.FIELDS;
import static dev.kestrel.model.StepField.FILE;
import static dev.kestrel.model.StepField.FRAME;
import static dev.kestrel.model.StepField.FULL_PAGE;
import static dev.kestrel.model.StepField.ITEMS;
import static dev.kestrel.model.StepField.KEY;
import static dev.kestrel.model.StepField.MAX;
import static dev.kestrel.model.StepField.MAX_ITEMS;
import static dev.kestrel.model.StepField.MESSAGE;
import static dev.kestrel.model.StepField.MODE;
import static dev.kestrel.model.StepField.MS;
import static dev.kestrel.model.StepField.ON_TIMEOUT;
import static dev.kestrel.model.StepField.OUTPUT;
import static dev.kestrel.model.StepField.POPUP;
import static dev.kestrel.model.StepField.PROMPT;
import static dev.kestrel.model.StepField.SELECTOR;
import static dev.kestrel.model.StepField.STATE;
import static dev.kestrel.model.StepField.STEPS;
import static dev.kestrel.model.StepField.TEXT_CONTAINS;
import static dev.kestrel.model.StepField.TIMEOUT_SECONDS;
import static dev.kestrel.model.StepField.TO;
import static dev.kestrel.model.StepField.URL;
import static dev.kestrel.model.StepField.VALUE;
import static dev.kestrel.model.StepField.VISIBLE;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a step does (SPEC 6): its name on the wire, the fields it needs and the fields it may take
 * besides {@link StepField#COMMON}. The validator, the template substitution and the browser's
 * executor all read this one list; a new action is a constant here and a case in the executor.
 */
public enum StepAction {
  GOTO("goto", Set.of(URL), Set.of(ALLOW_ERROR_STATUS)),
  CLICK("click", Set.of(SELECTOR), Set.of(FRAME, POPUP)),
  FILL("fill", Set.of(SELECTOR, VALUE), Set.of(FRAME)),
  PRESS("press", Set.of(SELECTOR, KEY), Set.of(FRAME)),
  SELECT("select", Set.of(SELECTOR, VALUE), Set.of(FRAME)),
  CHECK("check", Set.of(SELECTOR), Set.of(CHECKED, FRAME)),
  HOVER("hover", Set.of(SELECTOR), Set.of(FRAME)),
  WAIT_FOR("waitFor", Set.of(), Set.of(SELECTOR, STATE, MS, FRAME)),
  EXTRACT("extract", Set.of(SELECTOR), Set.of(ATTRIBUTE, MODE, ALL, OUTPUT, FRAME, FIELDS, APPEND)),
  SCREENSHOT("screenshot", Set.of(), Set.of(FULL_PAGE, OUTPUT, SELECTOR)),
  ASSERT("assert", Set.of(SELECTOR), Set.of(TEXT_CONTAINS, VISIBLE, MESSAGE, FRAME)),
  /** Waits for a person's answer (SPEC 10); the workflow holds the wait, the worker the page. */
  INPUT("input", Set.of(PROMPT, FIELDS), Set.of(TIMEOUT_SECONDS, ON_TIMEOUT)),
  /** Runs a JavaScript expression in the page, with the page's own privileges (SPEC 11). */
  EVALUATE("evaluate", Set.of(EXPRESSION), Set.of(OUTPUT, APPEND)),
  /** Scrolls an element into view, or the page to its bottom or top (SPEC 11). */
  SCROLL("scroll", Set.of(), Set.of(SELECTOR, TO, FRAME)),
  /** Clicks and keeps the file the page downloads as a run artifact (SPEC 11). */
  DOWNLOAD("download", Set.of(SELECTOR, OUTPUT), Set.of(FRAME)),
  /** Puts a file in a file field: the task's own, or a file input's (SPEC 11). */
  UPLOAD("upload", Set.of(SELECTOR, FILE), Set.of(FRAME)),
  /**
   * Runs its steps once for each item of a list, or each element a selector matches (SPEC 11); the
   * workflow walks the loop, the worker reads a selector's elements.
   */
  FOR_EACH("forEach", Set.of(STEPS), Set.of(ITEMS, SELECTOR, AS, MAX_ITEMS, FRAME)),
  /** Runs its steps again and again, up to {@code max} rounds or a {@code break} (SPEC 11). */
  REPEAT("repeat", Set.of(STEPS), Set.of(MAX)),
  /** Ends the loop it is in when its {@code when} holds, or always without one (SPEC 11). */
  BREAK("break", Set.of(), Set.of());

  private static final Map<String, StepAction> BY_WIRE_NAME =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(StepAction::wireName, Function.identity()));

  private final String wireName;
  private final Set<StepField> required;
  private final Set<StepField> optional;
  private final Set<StepField> templated;

  StepAction(String wireName, Set<StepField> required, Set<StepField> optional) {
    this.wireName = wireName;
    this.required = Collections.unmodifiableSet(with(required, Set.of()));
    this.optional = Collections.unmodifiableSet(with(optional, Set.of()));
    EnumSet<StepField> templated = with(required, optional);
    templated.removeIf(f -> !f.templated());
    this.templated = Collections.unmodifiableSet(templated);
  }

  private static EnumSet<StepField> with(Set<StepField> a, Set<StepField> b) {
    EnumSet<StepField> all = EnumSet.noneOf(StepField.class);
    all.addAll(a);
    all.addAll(b);
    return all;
  }

  /** The action named {@code wireName}, if there is one. */
  public static Optional<StepAction> find(String wireName) {
    return Optional.ofNullable(BY_WIRE_NAME.get(wireName));
  }

  @JsonCreator
  static StepAction fromWire(String wireName) {
    return find(wireName)
        .orElseThrow(() -> new IllegalArgumentException("unknown step action '" + wireName + "'"));
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  public Set<StepField> required() {
    return required;
  }

  public Set<StepField> optional() {
    return optional;
  }

  /** The fields of this action in which templates are substituted. */
  public Set<StepField> templated() {
    return templated;
  }

  /** Whether a step of this action may carry {@code field}. */
  public boolean takes(StepField field) {
    return StepField.COMMON.contains(field) || required.contains(field) || optional.contains(field);
  }

  @Override
  public String toString() {
    return wireName;
  }
}
