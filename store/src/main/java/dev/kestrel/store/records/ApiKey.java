package dev.kestrel.store.records;

/** An API key as stored: never the key itself, only its hash and a prefix to recognise it by. */
public record ApiKey(
    String id,
    String organizationId,
    String prefix,
    String label,
    long createdAt,
    Long revokedAt) {}
