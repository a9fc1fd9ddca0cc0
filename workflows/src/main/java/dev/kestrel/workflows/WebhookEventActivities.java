package dev.kestrel.workflows;

import dev.kestrel.model.WebhookEvent;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The store side of webhooks, run as local activities: {@link #announce} by the run workflow at
 * each lifecycle transition, {@link #prepareLogBatch} by {@link WebhookWorkflow} while the run
 * executes. Both only write the store and signal; the HTTP attempt is {@link
 * WebhookDeliveryActivities}.
 */
@ActivityInterface
public interface WebhookEventActivities {

  /**
   * Records a delivery of {@code event} (the run's body as it is now) for every endpoint that
   * subscribes to it, and tells each endpoint's webhook workflow for this run, starting it if
   * needed. Idempotent: a repeated call records and delivers nothing twice.
   */
  @ActivityMethod
  void announce(String runId, WebhookEvent event);

  /**
   * The same for {@code task-run.waiting}, the run's {@code wait}th wait for input: a run may wait
   * more than once, and each wait is delivered once.
   */
  @ActivityMethod
  void announceWait(String runId, int wait);

  /**
   * Records the next {@code task-run.log} delivery: the run's log entries after {@code afterSeq} (a
   * bounded batch). Null when there is no new entry.
   */
  @ActivityMethod
  LogBatchRef prepareLogBatch(String endpointId, String runId, long afterSeq);

  /** A recorded log batch: its delivery, the last entry it holds, and whether more entries wait. */
  record LogBatchRef(String deliveryId, long lastSeq, boolean more) {}
}
