package dev.kestrel.store;

import dev.kestrel.model.LogLevel;

/** A run log entry to write: what the activities hand the store, before it has an id and a time. */
public record LogLine(LogLevel level, String message, String nodeId) {}
