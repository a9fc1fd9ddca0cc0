package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A declared task input: its JSON type, whether a run must give it, and its default. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InputSpec(
    String type,
    Boolean required,
    @JsonProperty("default") Object defaultValue,
    String description) {

  /**
   * The type of an input whose value is a file, {@code {"name", "contentBase64"}}, for an upload
   * step (SPEC 11).
   */
  public static final String FILE = "file";

  /** Whether a run must give this input (no default stands in for it). */
  public boolean mustBeGiven() {
    return Boolean.TRUE.equals(required);
  }
}
