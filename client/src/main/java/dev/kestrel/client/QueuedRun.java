package dev.kestrel.client;

import dev.kestrel.model.api.Run;

/**
 * A queued run; {@link #wasReplayed()} when its {@code clientRequestId} had made it before (200,
 * not 202).
 */
public record QueuedRun(Run run, boolean wasReplayed) {}
