package dev.kestrel.store.records;

/**
 * One kept version of a profile: where it came from ({@code run}, {@code import} or {@code
 * rollback}), the run that saved it and the version that run started from, or the version a
 * rollback restored.
 */
public record ProfileVersionRecord(
    int version, long bytes, String source, Integer basedOn, String runId, long createdAt) {}
