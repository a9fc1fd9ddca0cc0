package dev.kestrel.store.records;

import dev.kestrel.model.WebhookEvent;

/** A lifecycle delivery not delivered yet and not given up on, with its endpoint's target. */
public record WaitingDelivery(
    String id, String endpointId, String runId, WebhookEvent event, String url) {}
