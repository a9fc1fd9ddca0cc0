package dev.kestrel.workflows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.model.StepSpec;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {{inputs.x}}} and {@code {{outputs.y}}} substitution in a step's string fields. Pure and
 * deterministic, so the workflow resolves each step before handing it to the browser.
 */
public final class Templates {
  public static final Pattern PLACEHOLDER =
      Pattern.compile("\\{\\{\\s*(inputs|outputs)\\.([A-Za-z0-9_\\-]+)\\s*}}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private Templates() {}

  public static StepSpec resolve(
      StepSpec step, Map<String, Object> inputs, Map<String, Object> outputs) {
    return step.mapTemplates(s -> render(s, inputs, outputs));
  }

  /** Strings go in as they are, other values as JSON; an unknown name becomes the empty string. */
  public static String render(
      String text, Map<String, Object> inputs, Map<String, Object> outputs) {
    if (text.indexOf("{{") < 0) {
      return text;
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Map<String, Object> source = m.group(1).equals("inputs") ? inputs : outputs;
      Object value = source == null ? null : source.get(m.group(2));
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
