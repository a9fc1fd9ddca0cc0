package dev.kestrel.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * One HTTP attempt to deliver a recorded webhook delivery, run as a regular activity so that the
 * retry policy of {@link WebhookWorkflow} spaces the attempts out and each shows in the UI.
 */
@ActivityInterface
public interface WebhookDeliveryActivities {
  /** Failure type of an attempt that got no 2xx answer: retried. */
  String DELIVERY_FAILED = "DeliveryFailed";

  /** Failure type of a target the egress policy refuses: not retried. */
  String EGRESS_REFUSED = "EgressRefused";

  /**
   * One attempt to deliver; every attempt is listed on the endpoint. Returns false, without
   * sending, when the endpoint has been deleted meanwhile.
   */
  @ActivityMethod
  boolean deliver(String deliveryId);
}
