package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * When a step runs (SPEC 11, {@code "when"}): exactly one of an element that {@code exists}, is
 * {@code missing} or is {@code visible}, the page's URL that {@code urlContains} a text, or two
 * texts that are {@code equals} (after templates). A step whose condition does not hold is skipped,
 * and the log says so.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepCondition(
    String exists, String missing, String visible, String urlContains, List<String> equals) {

  /** The same condition with {@code f} applied to each of its texts (templates). */
  public StepCondition map(UnaryOperator<String> f) {
    return new StepCondition(
        exists == null ? null : f.apply(exists),
        missing == null ? null : f.apply(missing),
        visible == null ? null : f.apply(visible),
        urlContains == null ? null : f.apply(urlContains),
        equals == null ? null : equals.stream().map(f).toList());
  }

  /** As the log says it: {@code '#banner' exists}. */
  public String describe() {
    if (exists != null) {
      return "'" + exists + "' exists";
    }
    if (missing != null) {
      return "'" + missing + "' is missing";
    }
    if (visible != null) {
      return "'" + visible + "' is visible";
    }
    if (urlContains != null) {
      return "the URL contains \"" + urlContains + "\"";
    }
    return "\"" + equals.get(0) + "\" equals \"" + equals.get(1) + "\"";
  }
}
