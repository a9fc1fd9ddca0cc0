package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.function.UnaryOperator;

/**
 * One step of a task. A flat record: each action reads the fields it needs (see SPEC 6), the
 * validator refuses fields an action does not take.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepSpec(
    String id,
    String action,
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
    Long timeoutMs) {

  /** The same step with {@code f} applied to every string field a template may appear in. */
  public StepSpec mapTemplates(UnaryOperator<String> f) {
    return new StepSpec(
        id, action, apply(f, url), apply(f, selector), apply(f, value), apply(f, key), checked,
        state, ms, apply(f, attribute), mode, all, output, fullPage, apply(f, textContains),
        visible, apply(f, message), timeoutMs);
  }

  private static String apply(UnaryOperator<String> f, String s) {
    return s == null ? null : f.apply(s);
  }

  /** A short human description, used in logs and in the Temporal UI: {@code click #submit}. */
  public String describe() {
    String target = url != null ? url : selector != null ? selector : ms != null ? ms + " ms" : "";
    return target.isEmpty() ? action : action + " " + target;
  }
}
