package dev.kestrel.model;

import static dev.kestrel.model.StepField.ATTRIBUTE;
import static dev.kestrel.model.StepField.KEY;
import static dev.kestrel.model.StepField.MESSAGE;
import static dev.kestrel.model.StepField.SELECTOR;
import static dev.kestrel.model.StepField.TEXT_CONTAINS;
import static dev.kestrel.model.StepField.URL;
import static dev.kestrel.model.StepField.VALUE;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One step of a task. A flat record: each action reads the fields it needs, and the validator
 * refuses fields an action does not take; which are which is {@link StepAction}'s.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepSpec(
    String id,
    StepAction action,
    String url,
    String selector,
    String value,
    String key,
    Boolean checked,
    String state,
    Long ms,
    String attribute,
    String mode,
    Boolean all,
    String output,
    Boolean fullPage,
    String textContains,
    Boolean visible,
    String message,
    Long timeoutMs,
    Boolean once) {

  /** A {@code waitFor} step that pauses {@code ms} milliseconds and reads nothing else. */
  public static StepSpec waitFor(String id, long ms) {
    return new StepSpec(
        id,
        StepAction.WAIT_FOR,
        null,
        null,
        null,
        null,
        null,
        null,
        ms,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /**
   * The same step with {@code f} applied to every field its action templates ({@link
   * StepAction#templated}).
   */
  public StepSpec mapTemplates(UnaryOperator<String> f) {
    Set<StepField> t = action.templated();
    return new StepSpec(
        id,
        action,
        apply(t, URL, f, url),
        apply(t, SELECTOR, f, selector),
        apply(t, VALUE, f, value),
        apply(t, KEY, f, key),
        checked,
        state,
        ms,
        apply(t, ATTRIBUTE, f, attribute),
        mode,
        all,
        output,
        fullPage,
        apply(t, TEXT_CONTAINS, f, textContains),
        visible,
        apply(t, MESSAGE, f, message),
        timeoutMs,
        once);
  }

  private static String apply(
      Set<StepField> templated, StepField field, UnaryOperator<String> f, String s) {
    return s == null || !templated.contains(field) ? s : f.apply(s);
  }

  /** Whether the step has an effect outside the page, so that it must never run twice. */
  public boolean runsOnce() {
    return Boolean.TRUE.equals(once);
  }

  /** A short human description, used in logs and in the Temporal UI: {@code click #submit}. */
  public String describe() {
    String target = url != null ? url : selector != null ? selector : ms != null ? ms + " ms" : "";
    return target.isEmpty() ? action.wireName() : action.wireName() + " " + target;
  }
}
