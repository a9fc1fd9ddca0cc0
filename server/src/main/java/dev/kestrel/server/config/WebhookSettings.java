package dev.kestrel.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kestrel.workflows.WebhookWorkflow.DeliverySettings;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Webhook delivery. A failed attempt is retried {@code maxRetries} times, the n-th retry {@code
 * retryInitialIntervalMillis × backoffCoefficient^(n-1)} after the attempt before it (at most
 * {@code retryMaxIntervalSeconds}): by default 10 s, 20 s, 40 s, 80 s, 160 s, 320 s, so a delivery
 * is given up on about 10.5 minutes after its first attempt.
 */
public class WebhookSettings {
  @JsonProperty
  @Min(0)
  @Max(6)
  private int maxRetries = 6;

  @JsonProperty
  @Min(10)
  private long retryInitialIntervalMillis = 10_000;

  @JsonProperty
  @DecimalMin("1.0")
  @DecimalMax("10.0")
  private double backoffCoefficient = 2.0;

  @JsonProperty
  @Min(1)
  private int retryMaxIntervalSeconds = 600;

  /** One attempt's bound: connecting, sending and waiting for the answer. */
  @JsonProperty
  @Min(1)
  @Max(60)
  private int requestTimeoutSeconds = 10;

  /** While a run executes, new log entries go out at most this often. */
  @JsonProperty
  @Min(100)
  private long logBatchIntervalMillis = 3_000;

  @JsonProperty
  @Min(1)
  @Max(1000)
  private int logBatchSize = 200;

  @JsonProperty
  @Min(1)
  private int maxEndpointsPerOrganization = 100;

  public DeliverySettings delivery() {
    return new DeliverySettings(
        maxRetries,
        retryInitialIntervalMillis,
        backoffCoefficient,
        retryMaxIntervalSeconds * 1000L,
        requestTimeoutSeconds,
        logBatchIntervalMillis);
  }

  public int requestTimeoutSeconds() {
    return requestTimeoutSeconds;
  }

  public int logBatchSize() {
    return logBatchSize;
  }

  public int maxEndpointsPerOrganization() {
    return maxEndpointsPerOrganization;
  }

  /** Test and bench speed-ups: a short retry schedule and frequent log batches. */
  public WebhookSettings pace(long retryInitialIntervalMillis, long logBatchIntervalMillis) {
    this.retryInitialIntervalMillis = retryInitialIntervalMillis;
    this.logBatchIntervalMillis = logBatchIntervalMillis;
    return this;
  }
}
