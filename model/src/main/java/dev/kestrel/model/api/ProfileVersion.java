package dev.kestrel.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One kept version of a profile: {@code source} is {@code run} (saved by {@code runId}, which
 * started from {@code basedOn}), {@code import} ({@code PUT …/state}) or {@code rollback} (a copy
 * of {@code basedOn}).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ProfileVersion(
    int version, long bytes, String source, Integer basedOn, String runId, String createdAt) {}
