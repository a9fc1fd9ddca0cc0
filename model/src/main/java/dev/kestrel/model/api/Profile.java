package dev.kestrel.model.api;

/**
 * A browser profile as the API shows it (SPEC 12): its current version and that version's size,
 * never its state.
 */
public record Profile(
    String id, String name, int version, long bytes, String createdAt, String updatedAt) {}
