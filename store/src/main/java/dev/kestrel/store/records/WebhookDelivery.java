package dev.kestrel.store.records;

import dev.kestrel.model.WebhookEvent;

/**
 * A recorded delivery with its endpoint's target and signing material. {@code scopedTaskId} is set
 * when the endpoint is scoped to a task; {@code pepper} may be null (the default pepper).
 */
public record WebhookDelivery(
    String id,
    String endpointId,
    String url,
    String secret,
    String pepper,
    String scopedTaskId,
    String runId,
    WebhookEvent event,
    String payload,
    long createdAtMillis) {}
