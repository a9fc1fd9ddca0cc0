package dev.kestrel.store.records;

/** One attempt to deliver a webhook delivery, as it is listed on the endpoint. */
public record DeliveryAttempt(
    String deliveryId,
    String endpointId,
    int attempt,
    Integer statusCode,
    String error,
    boolean delivered,
    long durationMs,
    long at) {}
