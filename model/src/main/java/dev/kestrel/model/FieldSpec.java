package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A named field of a step ({@code "fields"}), one of two kinds the step's action says:
 *
 * <ul>
 *   <li>what an {@code input} step asks a person for (SPEC 10): its {@code type} ({@code string},
 *       {@code number}, {@code boolean} or {@code secret}), a {@code label} to show, whether it is
 *       {@code required} (default true) and, for text, a {@code pattern} the whole value must
 *       match;
 *   <li>what an {@code extract} step reads of each element it matched (SPEC 11): a {@code selector}
 *       relative to the element, and its {@code attribute} or {@code mode} ({@code text}, {@code
 *       html}). A bare string is the selector.
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldSpec(
    String type,
    String label,
    Boolean required,
    String pattern,
    String selector,
    String attribute,
    String mode) {

  /** An input step's field. */
  public FieldSpec(String type, String label, Boolean required, String pattern) {
    this(type, label, required, pattern, null, null, null);
  }

  /** An extract step's field given as its selector alone. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static FieldSpec selector(String selector) {
    return new FieldSpec(null, null, null, null, selector, null, null);
  }

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
