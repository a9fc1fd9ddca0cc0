package dev.kestrel.workflows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.StepSpec;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {{inputs.x}}}, {@code {{outputs.y}}} and {@code {{input.<stepId>.<field>}}} (a person's
 * answer to an input step) substitution in a step's string fields. Pure and deterministic, so the
 * workflow resolves each step before handing it to the browser. A secret answer is substituted in
 * its sealed form ({@link SealedText}); only the worker opens it.
 */
public final class Templates {
  /**
   * Groups: 1 {@code inputs} or {@code outputs} and 2 the name; or 3 an input step's id and 4 its
   * field.
   */
  public static final Pattern PLACEHOLDER =
      Pattern.compile(
          "\\{\\{\\s*(?:(inputs|outputs)\\.([A-Za-z0-9_\\-]+)"
              + "|input\\.([A-Za-z0-9_\\-]+)\\.([A-Za-z0-9_\\-]+))\\s*}}");

  private static final ObjectMapper JSON = new ObjectMapper();

  private Templates() {}

  public static StepSpec resolve(
      StepSpec step,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers) {
    return step.mapTemplates(s -> render(s, inputs, outputs, answers));
  }

  /** Strings go in as they are, other values as JSON; an unknown name becomes the empty string. */
  public static String render(
      String text,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Map<String, Map<String, Object>> answers) {
    if (text.indexOf("{{") < 0) {
      return text;
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Object value;
      if (m.group(3) != null) {
        Map<String, Object> answer = answers == null ? null : answers.get(m.group(3));
        value = answer == null ? null : answer.get(m.group(4));
      } else {
        Map<String, Object> source = m.group(1).equals("inputs") ? inputs : outputs;
        value = source == null ? null : source.get(m.group(2));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(asText(value)));
    }
    m.appendTail(out);
    return out.toString();
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
