package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A value an {@code input} step asks a person for (SPEC 10): its type ({@code string}, {@code
 * number}, {@code boolean} or {@code secret}), a label to show, whether it must be given (default
 * true) and, for text, a pattern the whole value must match.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InputField(String type, String label, Boolean required, String pattern) {
  public static final String STRING = "string";
  public static final String NUMBER = "number";
  public static final String BOOLEAN = "boolean";
  public static final String SECRET = "secret";
  public static final List<String> TYPES = List.of(STRING, NUMBER, BOOLEAN, SECRET);

  /** Whether an answer must hold this field. */
  public boolean mustBeGiven() {
    return !Boolean.FALSE.equals(required);
  }

  /**
   * A secret is sealed by the API as it arrives and opened only by the worker that types it: it is
   * in no log, output, run field, webhook or workflow history.
   */
  @JsonIgnore
  public boolean isSecret() {
    return SECRET.equals(type);
  }

  /** Whether values of this field are text (a pattern applies to them). */
  @JsonIgnore
  public boolean isText() {
    return STRING.equals(type) || SECRET.equals(type);
  }
}
