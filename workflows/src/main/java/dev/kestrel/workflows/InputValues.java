package dev.kestrel.workflows;

import dev.kestrel.model.FieldSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks an answer's values against the fields an input step asks for (SPEC 10): no unknown field,
 * every required one, each of its type, text matching its pattern. Pure, so the API checks with it
 * before it seals secrets and the workflow's update validator checks with it again.
 */
public final class InputValues {
  /** The longest text value. */
  public static final int MAX_TEXT = 10_000;

  private InputValues() {}

  /**
   * One thing wrong with an answer, in the API's 400 form: where ({@code ["body", "values",
   * "code"]}), a type ({@code missing}, {@code type_error}, ...) and a sentence naming the field;
   * never the value.
   */
  public record Problem(List<String> loc, String type, String msg) {}

  /**
   * What is wrong with {@code values} for {@code fields}; empty when nothing is. {@code patterns}:
   * whether to match patterns too. The API does, on the values in clear; the workflow does not,
   * since its secrets are sealed and a pattern is the author's regular expression, which must not
   * hold up a workflow task.
   */
  public static List<Problem> check(
      Map<String, FieldSpec> fields, Map<String, Object> values, boolean patterns) {
    List<Problem> problems = new ArrayList<>();
    Map<String, Object> given = values == null ? Map.of() : values;
    for (String name : given.keySet()) {
      if (!fields.containsKey(name)) {
        problems.add(
            new Problem(
                at(name),
                "extra_forbidden",
                "'" + name + "' is not a field of this input; it asks for " + fields.keySet()));
      }
    }
    fields.forEach(
        (name, field) -> {
          Object value = given.get(name);
          if (value == null) {
            if (field.mustBeGiven()) {
              problems.add(new Problem(at(name), "missing", "'" + name + "' is required"));
            }
            return;
          }
          String typeProblem = typeProblem(field, value);
          if (typeProblem != null) {
            problems.add(new Problem(at(name), "type_error", "'" + name + "' " + typeProblem));
            return;
          }
          if (field.pattern() != null
              && field.isText()
              && patterns
              && !matches(field.pattern(), (String) value)) {
            problems.add(
                new Problem(
                    at(name),
                    "value_error",
                    "'" + name + "' does not match the pattern " + field.pattern()));
          }
        });
    return problems;
  }

  private static String typeProblem(FieldSpec field, Object value) {
    return switch (field.type()) {
      case FieldSpec.NUMBER -> value instanceof Number ? null : "must be a number";
      case FieldSpec.BOOLEAN -> value instanceof Boolean ? null : "must be true or false";
      default ->
          value instanceof String s && s.length() <= MAX_TEXT
              ? null
              : "must be a string of at most " + MAX_TEXT + " characters";
    };
  }

  /**
   * Whether all of {@code text} matches {@code pattern} (a pattern checked when saved). A pattern
   * that backtracks for longer than {@value #MATCH_MILLIS} ms on it does not match: the author's
   * expression never holds a request thread.
   */
  public static boolean matches(String pattern, String text) {
    try {
      return Pattern.compile(pattern)
          .matcher(new Deadline(text, System.nanoTime() + MATCH_MILLIS * 1_000_000))
          .matches();
    } catch (PatternSyntaxException | Deadline.Passed e) {
      return false;
    }
  }

  static final long MATCH_MILLIS = 100;

  /** Text whose reading stops the matcher once its time is up (checked every 1024 reads). */
  private static final class Deadline implements CharSequence {
    static final class Passed extends RuntimeException {
      Passed() {
        super(null, null, false, false);
      }
    }

    private final String text;
    private final long atNanos;
    private int reads;

    Deadline(String text, long atNanos) {
      this.text = text;
      this.atNanos = atNanos;
    }

    @Override
    public char charAt(int index) {
      if ((++reads & 0x3ff) == 0 && System.nanoTime() > atNanos) {
        throw new Passed();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Deadline(text.substring(start, end), atNanos);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  private static List<String> at(String field) {
    return List.of("body", "values", field);
  }
}
