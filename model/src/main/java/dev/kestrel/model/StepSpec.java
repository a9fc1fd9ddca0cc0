package dev.kestrel.model;

import static dev.kestrel.model.StepField.ATTRIBUTE;
import static dev.kestrel.model.StepField.FRAME;
import static dev.kestrel.model.StepField.KEY;
import static dev.kestrel.model.StepField.MESSAGE;
import static dev.kestrel.model.StepField.PROMPT;
import static dev.kestrel.model.StepField.SELECTOR;
import static dev.kestrel.model.StepField.TEXT_CONTAINS;
import static dev.kestrel.model.StepField.URL;
import static dev.kestrel.model.StepField.VALUE;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
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
    Boolean once,
    String prompt,
    Map<String, FieldSpec> fields,
    Long timeoutSeconds,
    String onTimeout,
    StepCondition when,
    StepRetries retries,
    Boolean optional,
    Boolean allowErrorStatus,
    String expression,
    String to,
    String frame,
    Boolean popup,
    Boolean append) {

  /** What an unanswered {@code input} step does by default: the run fails. */
  public static final String ON_TIMEOUT_FAIL = "fail";

  /** An unanswered {@code input} step goes on with empty values. */
  public static final String ON_TIMEOUT_CONTINUE = "continue";

  /** How long an {@code input} step waits by default (SPEC 10). */
  public static final long DEFAULT_INPUT_TIMEOUT_SECONDS = 900;

  /** The longest an {@code input} step may wait: 7 days. */
  public static final long MAX_INPUT_TIMEOUT_SECONDS = 7 * 24 * 3600;

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
        null,
        null,
        null,
        null,
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
        once,
        apply(t, PROMPT, f, prompt),
        fields,
        timeoutSeconds,
        onTimeout,
        when == null ? null : when.map(f),
        retries,
        optional,
        allowErrorStatus,
        expression,
        to,
        apply(t, FRAME, f, frame),
        popup,
        append);
  }

  private static String apply(
      Set<StepField> templated, StepField field, UnaryOperator<String> f, String s) {
    return s == null || !templated.contains(field) ? s : f.apply(s);
  }

  /** Whether the step has an effect outside the page, so that it must never run twice. */
  public boolean runsOnce() {
    return Boolean.TRUE.equals(once);
  }

  /** Whether the step adds to its list output instead of replacing it. */
  public boolean appends() {
    return Boolean.TRUE.equals(append);
  }

  /** Whether a failure of the step is logged and the run goes on ({@code "optional": true}). */
  public boolean mayFail() {
    return Boolean.TRUE.equals(optional);
  }

  /** How many attempts the step has: 1, and its retries. */
  public int attempts() {
    return retries == null ? 1 : 1 + retries.max();
  }

  /** Whether the step waits for a person's answer ({@code input}). */
  public boolean waitsForInput() {
    return action == StepAction.INPUT;
  }

  /** How long an {@code input} step waits, in seconds. */
  public long inputTimeoutSeconds() {
    return timeoutSeconds != null ? timeoutSeconds : DEFAULT_INPUT_TIMEOUT_SECONDS;
  }

  /** Whether an unanswered {@code input} step goes on (with empty values) rather than failing. */
  public boolean continuesOnTimeout() {
    return ON_TIMEOUT_CONTINUE.equals(onTimeout);
  }

  /** A short human description, used in logs and in the Temporal UI: {@code click #submit}. */
  public String describe() {
    String target = url != null ? url : selector != null ? selector : ms != null ? ms + " ms" : "";
    return target.isEmpty() ? action.wireName() : action.wireName() + " " + target;
  }
}
