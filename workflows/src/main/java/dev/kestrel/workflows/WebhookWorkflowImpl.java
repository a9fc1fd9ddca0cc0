package dev.kestrel.workflows;

import dev.kestrel.model.WebhookEvent;
import dev.kestrel.workflows.WebhookEventActivities.LogBatchRef;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;

/**
 * One delivery at a time, so that an endpoint sees a run's events in lifecycle order: an event
 * waits until the one before it was delivered or given up on. While the run executes, new log
 * entries go out as a batch every {@code logBatchIntervalMillis}; before the terminal event, a last
 * batch carries whatever is left.
 */
public class WebhookWorkflowImpl implements WebhookWorkflow {
  /** Log polling adds a few events per interval; start afresh long before history limits matter. */
  static final int HISTORY_LENGTH_LIMIT = 5_000;

  /** The pause before a store call that failed past its own retries is made again. */
  static final Duration STORE_RETRY = Duration.ofSeconds(10);

  private final Deque<RunEventNotice> pending = new ArrayDeque<>();
  private final Set<WebhookEvent> announced = EnumSet.noneOf(WebhookEvent.class);

  private final WebhookEventActivities store =
      Workflow.newLocalActivityStub(
          WebhookEventActivities.class,
          LocalActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(15))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofMillis(500))
                      .setMaximumInterval(Duration.ofSeconds(10))
                      .build())
              .build());

  private WebhookDeliveryActivities http;
  private WebhookInput input;
  private long logCursor;
  private boolean running;

  @Override
  public void deliver(WebhookInput in) {
    this.input = in;
    this.logCursor = in.logCursor();
    this.running = in.running();
    announced.addAll(in.announced());
    DeliverySettings s = in.settings();
    http =
        Workflow.newActivityStub(
            WebhookDeliveryActivities.class,
            ActivityOptions.newBuilder()
                // The request's own timeout bounds an attempt; the margin covers signing and
                // recording.
                .setStartToCloseTimeout(Duration.ofSeconds(s.requestTimeoutSeconds() + 10L))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(s.initialRetryMillis()))
                        .setBackoffCoefficient(s.backoffCoefficient())
                        .setMaximumInterval(Duration.ofMillis(s.maxRetryMillis()))
                        .setMaximumAttempts(s.maxRetries() + 1)
                        .setDoNotRetry(WebhookDeliveryActivities.EGRESS_REFUSED)
                        .build())
                .build());
    Duration logInterval = Duration.ofMillis(s.logBatchIntervalMillis());

    while (true) {
      if (pending.isEmpty()) {
        if (in.wantsLogs() && running) {
          if (!Workflow.await(logInterval, () -> !pending.isEmpty())) {
            if (!sendLogs(false)) {
              return;
            }
            startAfreshIfLong();
            continue;
          }
        } else {
          Workflow.await(() -> !pending.isEmpty());
        }
      }
      RunEventNotice notice = pending.poll();
      boolean terminal = notice.event().isTerminal();
      if (terminal && in.wantsLogs() && !sendLogs(true)) {
        return;
      }
      if (notice.deliveryId() != null && !send(notice.deliveryId())) {
        return;
      }
      if (notice.event() == WebhookEvent.STARTED) {
        running = true;
      }
      if (terminal) {
        return;
      }
    }
  }

  @Override
  public void announce(RunEventNotice notice) {
    // Announcing is retried by its activity: each lifecycle event is taken once. A run waits
    // for input as often as it has input steps; a repeated wait's delivery id is the same, and
    // receivers drop it.
    if (notice.event() == WebhookEvent.WAITING || announced.add(notice.event())) {
      pending.add(notice);
    }
  }

  /**
   * New log entries, one batch, or all of them when {@code drain}. False when the endpoint is gone.
   */
  private boolean sendLogs(boolean drain) {
    while (true) {
      LogBatchRef batch = nextLogBatch();
      if (batch == null) {
        return true;
      }
      if (!send(batch.deliveryId())) {
        return false;
      }
      logCursor = batch.lastSeq();
      if (!drain || !batch.more()) {
        return true;
      }
    }
  }

  /**
   * The next batch of the run's log, recorded as a delivery. Its local activity retries on its own;
   * one that fails all the same (in the soak, a worker stopping on SIGTERM while the embedded
   * database closed under it) is tried again after a pause: a webhook workflow that failed would
   * lose every later event of its run, its terminal one included.
   */
  private LogBatchRef nextLogBatch() {
    while (true) {
      try {
        return store.prepareLogBatch(input.endpointId(), input.runId(), logCursor);
      } catch (ActivityFailure failed) {
        Workflow.getLogger(WebhookWorkflowImpl.class)
            .warn(
                "Preparing a log batch of run {} for endpoint {} failed; trying again in {}: {}",
                input.runId(),
                input.endpointId(),
                STORE_RETRY,
                failed.getCause() != null ? failed.getCause().getMessage() : failed.getMessage());
        Workflow.sleep(STORE_RETRY);
      }
    }
  }

  /**
   * Delivers with retries; a delivery given up on is listed as failed, and the next one follows.
   */
  private boolean send(String deliveryId) {
    try {
      return http.deliver(deliveryId);
    } catch (ActivityFailure gaveUp) {
      WorkflowMetrics.deliveryGivenUp();
      Workflow.getLogger(WebhookWorkflowImpl.class)
          .warn("Gave up on webhook delivery {}: {}", deliveryId, gaveUp.getCause().getMessage());
      return true;
    }
  }

  private void startAfreshIfLong() {
    if (Workflow.getInfo().getHistoryLength() > HISTORY_LENGTH_LIMIT && pending.isEmpty()) {
      Workflow.continueAsNew(
          new WebhookInput(
              input.endpointId(),
              input.runId(),
              input.wantsLogs(),
              input.settings(),
              logCursor,
              running,
              new ArrayList<>(announced)));
    }
  }
}
