package dev.kestrel.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kestrel.model.WebhookEvent;
import java.util.List;

/**
 * A webhook endpoint (SPEC 7); {@code events} empty means every event, {@code taskId} null every
 * task.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record WebhookEndpoint(
    String id, String url, List<WebhookEvent> events, String taskId, String createdAt) {}
