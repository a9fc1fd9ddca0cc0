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
 * {@code artifacts} (extension), the files it produced, {@code waitingFor} (extension), what an
 * {@code input} step waits for (null when it waits for nothing), and on a retry (extension, absent
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
    WaitingFor waitingFor,
    @JsonInclude(JsonInclude.Include.NON_NULL) String retryOf,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer startedAtStep) {

  /**
   * What the run waits for (SPEC 10): the input step, its prompt and fields, when the wait ends,
   * and the signed link a person answers on without an API key.
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record WaitingFor(
      String stepId,
      String prompt,
      Map<String, dev.kestrel.model.FieldSpec> fields,
      String expiresAt,
      String inputUrl) {}

  /** ISO 8601 UTC with milliseconds, or null. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record Timestamps(String createdAt, String startedAt, String finishedAt) {}
}
