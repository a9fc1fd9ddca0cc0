package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A saved browser task as its author writes it (SPEC 6); {@code trace} null means the server's
 * default.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TaskDefinition(
    String name,
    String description,
    Map<String, InputSpec> inputs,
    List<StepSpec> steps,
    int timeoutSeconds,
    ScheduleSpec schedule,
    TraceMode trace,
    @JsonInclude(JsonInclude.Include.NON_NULL) ResumeMode resume,
    @JsonInclude(JsonInclude.Include.NON_NULL) ProfileSpec profile,
    @JsonInclude(JsonInclude.Include.NON_NULL) String proxy) {

  public static final int DEFAULT_TIMEOUT_SECONDS = 300;

  /** A definition that names no profile. */
  public TaskDefinition(
      String name,
      String description,
      Map<String, InputSpec> inputs,
      List<StepSpec> steps,
      int timeoutSeconds,
      ScheduleSpec schedule,
      TraceMode trace,
      ResumeMode resume) {
    this(name, description, inputs, steps, timeoutSeconds, schedule, trace, resume, null, null);
  }

  /** A definition that leaves {@code resume} to the default (from the last checkpoint). */
  public TaskDefinition(
      String name,
      String description,
      Map<String, InputSpec> inputs,
      List<StepSpec> steps,
      int timeoutSeconds,
      ScheduleSpec schedule,
      TraceMode trace) {
    this(name, description, inputs, steps, timeoutSeconds, schedule, trace, null, null, null);
  }
}
