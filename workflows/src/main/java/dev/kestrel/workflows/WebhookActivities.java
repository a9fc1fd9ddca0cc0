package dev.kestrel.workflows;

import dev.kestrel.model.WebhookEvent;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Webhook deliveries. {@link #announce} is called by the run workflow at each lifecycle
 * transition; the other two by {@link WebhookWorkflow}, which delivers one run's events to one
 * endpoint, in order.
 */
@ActivityInterface
public interface WebhookActivities {
  /** Failure type of an attempt that got no 2xx answer: retried. */
  String DELIVERY_FAILED = "DeliveryFailed";

  /** Failure type of a target the egress policy refuses: not retried. */
  String EGRESS_REFUSED = "EgressRefused";

  /**
   * Records a delivery of {@code event} (the run's body as it is now) for every endpoint that
   * subscribes to it, and tells each endpoint's webhook workflow for this run, starting it if
   * needed. Idempotent: a repeated call records and delivers nothing twice.
   */
  @ActivityMethod
  void announce(String runId, WebhookEvent event);

  /**
   * Records the next {@code task-run.log} delivery: the run's log entries after {@code afterSeq}
   * (a bounded batch). Null when there is no new entry.
   */
  @ActivityMethod
  LogBatchRef prepareLogBatch(String endpointId, String runId, long afterSeq);

  /**
   * One attempt to deliver; every attempt is listed on the endpoint. Returns false, without
   * sending, when the endpoint has been deleted meanwhile.
   */
  @ActivityMethod
  boolean deliver(String deliveryId);

  /** A recorded log batch: its delivery, the last entry it holds, and whether more entries wait. */
  record LogBatchRef(String deliveryId, long lastSeq, boolean more) {}
}
