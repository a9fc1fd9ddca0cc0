package dev.kestrel.store.records;

import dev.kestrel.model.WebhookEvent;
import java.util.List;

/**
 * A stored webhook endpoint; {@code events} empty means every event, {@code taskId} null every
 * task.
 */
public record WebhookEndpointRecord(
    String id,
    String organizationId,
    String url,
    List<WebhookEvent> events,
    String taskId,
    String secret,
    long createdAt) {}
