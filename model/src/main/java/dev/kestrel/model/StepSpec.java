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
import java.util.List;
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
    Boolean append,
    List<StepSpec> steps,
    String items,
    String as,
    Integer maxItems,
    Integer max,
    StepFile file) {

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
    return builder(id, StepAction.WAIT_FOR).ms(ms).build();
  }

  /** A step built field by field: what the Java client and the tests use. */
  public static Builder builder(String id, StepAction action) {
    return new Builder().id(id).action(action);
  }

  /** This step, to change some of its fields. */
  public Builder toBuilder() {
    return new Builder()
        .id(id)
        .action(action)
        .url(url)
        .selector(selector)
        .value(value)
        .key(key)
        .checked(checked)
        .state(state)
        .ms(ms)
        .attribute(attribute)
        .mode(mode)
        .all(all)
        .output(output)
        .fullPage(fullPage)
        .textContains(textContains)
        .visible(visible)
        .message(message)
        .timeoutMs(timeoutMs)
        .once(once)
        .prompt(prompt)
        .fields(fields)
        .timeoutSeconds(timeoutSeconds)
        .onTimeout(onTimeout)
        .when(when)
        .retries(retries)
        .optional(optional)
        .allowErrorStatus(allowErrorStatus)
        .expression(expression)
        .to(to)
        .frame(frame)
        .popup(popup)
        .append(append)
        .steps(steps)
        .items(items)
        .as(as)
        .maxItems(maxItems)
        .max(max)
        .file(file);
  }

  /** Builds a {@link StepSpec}; every field not set is absent (null). */
  public static final class Builder {
    private String id;
    private StepAction action;
    private String url;
    private String selector;
    private String value;
    private String key;
    private Boolean checked;
    private String state;
    private Long ms;
    private String attribute;
    private String mode;
    private Boolean all;
    private String output;
    private Boolean fullPage;
    private String textContains;
    private Boolean visible;
    private String message;
    private Long timeoutMs;
    private Boolean once;
    private String prompt;
    private Map<String, FieldSpec> fields;
    private Long timeoutSeconds;
    private String onTimeout;
    private StepCondition when;
    private StepRetries retries;
    private Boolean optional;
    private Boolean allowErrorStatus;
    private String expression;
    private String to;
    private String frame;
    private Boolean popup;
    private Boolean append;
    private List<StepSpec> steps;
    private String items;
    private String as;
    private Integer maxItems;
    private Integer max;
    private StepFile file;

    private Builder() {}

    public Builder id(String id) {
      this.id = id;
      return this;
    }

    public Builder action(StepAction action) {
      this.action = action;
      return this;
    }

    public Builder url(String url) {
      this.url = url;
      return this;
    }

    public Builder selector(String selector) {
      this.selector = selector;
      return this;
    }

    public Builder value(String value) {
      this.value = value;
      return this;
    }

    public Builder key(String key) {
      this.key = key;
      return this;
    }

    public Builder checked(Boolean checked) {
      this.checked = checked;
      return this;
    }

    public Builder state(String state) {
      this.state = state;
      return this;
    }

    public Builder ms(Long ms) {
      this.ms = ms;
      return this;
    }

    public Builder attribute(String attribute) {
      this.attribute = attribute;
      return this;
    }

    public Builder mode(String mode) {
      this.mode = mode;
      return this;
    }

    public Builder all(Boolean all) {
      this.all = all;
      return this;
    }

    public Builder output(String output) {
      this.output = output;
      return this;
    }

    public Builder fullPage(Boolean fullPage) {
      this.fullPage = fullPage;
      return this;
    }

    public Builder textContains(String textContains) {
      this.textContains = textContains;
      return this;
    }

    public Builder visible(Boolean visible) {
      this.visible = visible;
      return this;
    }

    public Builder message(String message) {
      this.message = message;
      return this;
    }

    public Builder timeoutMs(Long timeoutMs) {
      this.timeoutMs = timeoutMs;
      return this;
    }

    public Builder once(Boolean once) {
      this.once = once;
      return this;
    }

    public Builder prompt(String prompt) {
      this.prompt = prompt;
      return this;
    }

    public Builder fields(Map<String, FieldSpec> fields) {
      this.fields = fields;
      return this;
    }

    public Builder timeoutSeconds(Long timeoutSeconds) {
      this.timeoutSeconds = timeoutSeconds;
      return this;
    }

    public Builder onTimeout(String onTimeout) {
      this.onTimeout = onTimeout;
      return this;
    }

    public Builder when(StepCondition when) {
      this.when = when;
      return this;
    }

    public Builder retries(StepRetries retries) {
      this.retries = retries;
      return this;
    }

    public Builder optional(Boolean optional) {
      this.optional = optional;
      return this;
    }

    public Builder allowErrorStatus(Boolean allowErrorStatus) {
      this.allowErrorStatus = allowErrorStatus;
      return this;
    }

    public Builder expression(String expression) {
      this.expression = expression;
      return this;
    }

    public Builder to(String to) {
      this.to = to;
      return this;
    }

    public Builder frame(String frame) {
      this.frame = frame;
      return this;
    }

    public Builder popup(Boolean popup) {
      this.popup = popup;
      return this;
    }

    public Builder append(Boolean append) {
      this.append = append;
      return this;
    }

    public Builder steps(List<StepSpec> steps) {
      this.steps = steps;
      return this;
    }

    public Builder items(String items) {
      this.items = items;
      return this;
    }

    public Builder as(String as) {
      this.as = as;
      return this;
    }

    public Builder maxItems(Integer maxItems) {
      this.maxItems = maxItems;
      return this;
    }

    public Builder max(Integer max) {
      this.max = max;
      return this;
    }

    public Builder file(StepFile file) {
      this.file = file;
      return this;
    }

    public StepSpec build() {
      return new StepSpec(
          id,
          action,
          url,
          selector,
          value,
          key,
          checked,
          state,
          ms,
          attribute,
          mode,
          all,
          output,
          fullPage,
          textContains,
          visible,
          message,
          timeoutMs,
          once,
          prompt,
          fields,
          timeoutSeconds,
          onTimeout,
          when,
          retries,
          optional,
          allowErrorStatus,
          expression,
          to,
          frame,
          popup,
          append,
          steps,
          items,
          as,
          maxItems,
          max,
          file);
    }
  }

  /**
   * The same step with {@code f} applied to every field its action templates ({@link
   * StepAction#templated}).
   */
  public StepSpec mapTemplates(UnaryOperator<String> f) {
    Set<StepField> t = action.templated();
    // A loop's own steps are resolved as each of them runs, with the loop's item in scope.
    return toBuilder()
        .url(apply(t, URL, f, url))
        .selector(apply(t, SELECTOR, f, selector))
        .value(apply(t, VALUE, f, value))
        .key(apply(t, KEY, f, key))
        .attribute(apply(t, ATTRIBUTE, f, attribute))
        .textContains(apply(t, TEXT_CONTAINS, f, textContains))
        .message(apply(t, MESSAGE, f, message))
        .prompt(apply(t, PROMPT, f, prompt))
        .when(when == null ? null : when.map(f))
        .frame(apply(t, FRAME, f, frame))
        .build();
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

  /** How many items a {@code forEach} goes through by default (SPEC 11). */
  public static final int DEFAULT_MAX_ITEMS = 1000;

  /** How many rounds a {@code repeat} runs by default (SPEC 11). */
  public static final int DEFAULT_MAX_ROUNDS = 100;

  /** The name a {@code forEach} gives its item by default: {@code {{item}}}. */
  public static final String DEFAULT_ITEM_NAME = "item";

  /** Whether the step runs steps of its own ({@code forEach}, {@code repeat}). */
  public boolean runsSteps() {
    return action == StepAction.FOR_EACH || action == StepAction.REPEAT;
  }

  /** How many rounds the loop runs at most: its items, or its repeats. */
  public int maxRounds() {
    if (action == StepAction.FOR_EACH) {
      return maxItems != null ? maxItems : DEFAULT_MAX_ITEMS;
    }
    return max != null ? max : DEFAULT_MAX_ROUNDS;
  }

  /** The name of a {@code forEach}'s item in its steps' templates. */
  public String itemName() {
    return as != null ? as : DEFAULT_ITEM_NAME;
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
    if (action == StepAction.FOR_EACH) {
      return "forEach " + (items != null ? items : selector) + " as " + itemName();
    }
    String target = url != null ? url : selector != null ? selector : ms != null ? ms + " ms" : "";
    return target.isEmpty() ? action.wireName() : action.wireName() + " " + target;
  }
}
