package dev.kestrel.workflows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.StepFile;
import dev.kestrel.model.StepSpec;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {{inputs.x}}}, {@code {{outputs.y}}}, {@code {{input.<stepId>.<field>}}} (a person's
 * answer to an input step) and, inside loops, {@code {{item}}}, {@code {{item.<field>}}} and {@code
 * {{loop.index}}} (SPEC 11) substitution in a step's string fields. Pure and deterministic, so the
 * workflow resolves each step before handing it to the browser. A secret answer is substituted in
 * its sealed form ({@link SealedText}); only the worker opens it.
 */
public final class Templates {
  /**
   * Groups: 1 {@code inputs} or {@code outputs} and 2 the name; or 3 an input step's id and 4 its
   * field; or 5 a loop's variable (its item's name, or {@code loop}) and 6 a path into it ({@code
   * .price}), possibly empty. A loop variable not in scope is left as it is.
   */
  public static final Pattern PLACEHOLDER =
      Pattern.compile(
          "\\{\\{\\s*(?:(inputs|outputs)\\.([A-Za-z0-9_\\-]+)"
              + "|input\\.([A-Za-z0-9_\\-]+)\\.([A-Za-z0-9_\\-]+)"
              + "|([A-Za-z_][A-Za-z0-9_]*)((?:\\.[A-Za-z0-9_\\-]+)*))\\s*}}");

  /** The name of the loop's own variable: {@code {{loop.index}}}, counted from 1. */
  public static final String LOOP = "loop";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Templates() {}

  public static StepSpec resolve(
      StepSpec step,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers) {
    return resolve(step, inputs, outputs, answers, Map.of());
  }

  /** The same, with the variables of the loops the step is in ({@code scope}: name to value). */
  public static StepSpec resolve(
      StepSpec step,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers,
      Map<String, Object> scope) {
    StepSpec resolved = step.mapTemplates(s -> render(s, inputs, outputs, answers, scope));
    if (step.file() != null && step.file().fromInput()) {
      // An upload of a file input: the kept file the input names (its digest, never its bytes).
      Object value = value(step.file().template(), inputs, outputs, answers, scope);
      if (value instanceof Map<?, ?> kept
          && kept.get("name") instanceof String name
          && kept.get("bytes") instanceof Number bytes
          && kept.get("sha256") instanceof String sha256) {
        resolved =
            resolved.toBuilder().file(StepFile.stored(name, bytes.longValue(), sha256)).build();
      }
    }
    return resolved;
  }

  /**
   * The value a whole-value template names ({@code "{{outputs.rows}}"}, as a forEach's {@code
   * items}), not its text; null when it names nothing.
   */
  public static Object value(
      String template,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers,
      Map<String, Object> scope) {
    Matcher m = PLACEHOLDER.matcher(template.strip());
    if (!m.matches()) {
      return null;
    }
    Object value = lookup(m, inputs, outputs, answers, scope);
    return value == UNKNOWN ? null : value;
  }

  /** Strings go in as they are, other values as JSON; an unknown name becomes the empty string. */
  public static String render(
      String text,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers) {
    return render(text, inputs, outputs, answers, Map.of());
  }

  public static String render(
      String text,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers,
      Map<String, Object> scope) {
    if (text.indexOf("{{") < 0) {
      return text;
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Object value = lookup(m, inputs, outputs, answers, scope);
      m.appendReplacement(
          out, Matcher.quoteReplacement(value == UNKNOWN ? m.group() : asText(value)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A loop variable that is not in scope: its placeholder stays as it is. */
  private static final Object UNKNOWN = new Object();

  private static Object lookup(
      Matcher m,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers,
      Map<String, Object> scope) {
    if (m.group(5) != null) {
      if (scope == null || !scope.containsKey(m.group(5))) {
        return UNKNOWN;
      }
      Object value = scope.get(m.group(5));
      for (String part :
          m.group(6).isEmpty() ? new String[0] : m.group(6).substring(1).split("\\.")) {
        value = member(value, part);
      }
      return value;
    }
    if (m.group(3) != null) {
      Map<String, Object> answer = answers == null ? null : answers.get(m.group(3));
      return answer == null ? null : answer.get(m.group(4));
    }
    Map<String, Object> source = m.group(1).equals("inputs") ? inputs : outputs;
    return source == null ? null : source.get(m.group(2));
  }

  /** A field of an object, or an item of a list by its number from 0; null when it has none. */
  private static Object member(Object value, String part) {
    if (value instanceof Map<?, ?> map) {
      return map.get(part);
    }
    if (value instanceof java.util.List<?> list
        && part.length() <= 9
        && part.chars().allMatch(Character::isDigit)) {
      int n = Integer.parseInt(part);
      return n < list.size() ? list.get(n) : null;
    }
    return null;
  }

  private static String asText(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof String s) {
      return s;
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }
}
