package dev.kestrel.server;

import dev.kestrel.engine.TemporalEngine;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.worker.Workers;
import dev.kestrel.store.Store;

/**
 * What {@link KestrelApplication} started in this process; {@code workers} is null when it runs
 * none.
 */
public record Installation(
    Store store, TemporalEngine engine, Organizations organizations, Workers workers) {}
