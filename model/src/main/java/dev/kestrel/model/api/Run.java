package dev.kestrel.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kestrel.model.Progress;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.TriggerType;
import java.util.List;
import java.util.Map;

/**
 * The run resource exactly as Komos serves it (SPEC 3): every field present, nulls included; plus
 * {@code artifacts} (extension), the files it produced, and on a retry (extension, absent
 * otherwise) {@code retryOf}, the run it retries, and {@code startedAtStep}, where it began.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Run(
    String id,
    String taskId,
    RunStatus status,
    TriggerType triggerType,
    Timestamps timestamps,
    Progress progress,
    Map<String, Object> inputs,
    Map<String, Object> outputs,
    String logsUrl,
    RunError error,
    String cancelReason,
    List<Artifact> artifacts,
    @JsonInclude(JsonInclude.Include.NON_NULL) String retryOf,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer startedAtStep) {

  /** ISO 8601 UTC with milliseconds, or null. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Timestamps(String createdAt, String startedAt, String finishedAt) {}
}
