package dev.kestrel.store.records;

import dev.kestrel.model.TaskDefinition;

public record TaskRecord(
    String id,
    String organizationId,
    TaskDefinition definition,
    String status,
    int version,
    long createdAt,
    long updatedAt) {}
