package dev.kestrel.store.records;

/** A browser profile: its current {@code version} (0 before any state) and that version's size. */
public record ProfileRecord(
    String id,
    String organizationId,
    String name,
    int version,
    long bytes,
    long createdAt,
    long updatedAt) {}
