package dev.kestrel.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kestrel.model.InputSpec;
import dev.kestrel.model.ProfileSpec;
import dev.kestrel.model.ResumeMode;
import dev.kestrel.model.ScheduleSpec;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TraceMode;
import java.util.List;
import java.util.Map;

/** A saved task as the API returns it: the definition plus identity, status and version. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Task(
    String id,
    String name,
    String description,
    Map<String, InputSpec> inputs,
    List<StepSpec> steps,
    int timeoutSeconds,
    ScheduleSpec schedule,
    TraceMode trace,
    String status,
    int version,
    String createdAt,
    String updatedAt,
    @JsonInclude(JsonInclude.Include.NON_NULL) ResumeMode resume,
    @JsonInclude(JsonInclude.Include.NON_NULL) ProfileSpec profile,
    @JsonInclude(JsonInclude.Include.NON_NULL) String proxy) {

  public static final String READY = "READY";
  public static final String DRAFT = "DRAFT";

  /**
   * Komos's five task statuses (SPEC 6), which its clients offer as a filter. Kestrel assigns only
   * DRAFT and READY; a filter on the other three finds no task.
   */
  public static final java.util.List<String> STATUSES =
      java.util.List.of(DRAFT, "PROCESSING", "NEEDS_REVIEW", READY, "ERROR");
}
