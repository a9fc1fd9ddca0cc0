package dev.kestrel.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kestrel.model.LogLevel;

/** One entry of a run's log; {@code nodeId} is the id of the step that produced it. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record LogEntry(
    String id, String timestamp, LogLevel level, String message, String nodeId) {}
