package dev.kestrel.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kestrel.model.WebhookEvent;

/**
 * One attempt to deliver an event to an endpoint (extension). {@code deliveryId} is the same on
 * every attempt of one delivery; {@code statusCode} is null when no response came, and then {@code
 * error} says why.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record WebhookAttempt(
    String id,
    String deliveryId,
    WebhookEvent event,
    String runId,
    int attempt,
    Integer statusCode,
    String error,
    boolean delivered,
    long durationMs,
    String createdAt) {}
