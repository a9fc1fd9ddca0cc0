package dev.kestrel.activities.webhook;

import dev.kestrel.store.WebhookStore;
import dev.kestrel.store.records.WaitingDelivery;
import dev.kestrel.workflows.WebhookWorkflow;
import dev.kestrel.workflows.WebhookWorkflow.DeliverySettings;
import dev.kestrel.workflows.WebhookWorkflow.RunEventNotice;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands deliveries still waiting in the store to a webhook workflow again when the engine has lost
 * theirs (the in-memory engine loses every workflow with its process; a durable one loses none).
 * Each (endpoint, run) gets its waiting events in the order they were recorded, which is their
 * lifecycle order. Log batches are left to the run's own workflow.
 */
public final class WebhookRecovery {
  private static final int LIMIT = 10_000;

  private final WebhookStore store;
  private final WorkflowClient client;
  private final DeliverySettings settings;
  private final WebhookWorkflowStarter workflows;

  public WebhookRecovery(WebhookStore store, WorkflowClient client, DeliverySettings settings) {
    this.store = store;
    this.client = client;
    this.settings = settings;
    this.workflows = new WebhookWorkflowStarter(client, settings);
  }

  /** Returns how many webhook workflows it started again. */
  public int recover() {
    Map<String, List<WaitingDelivery>> byWorkflow = new LinkedHashMap<>();
    for (WaitingDelivery d : store.waitingDeliveries(settings.maxRetries() + 1, LIMIT)) {
      byWorkflow
          .computeIfAbsent(
              WebhookWorkflow.workflowId(d.endpointId(), d.runId()), k -> new ArrayList<>())
          .add(d);
    }
    int started = 0;
    for (Map.Entry<String, List<WaitingDelivery>> entry : byWorkflow.entrySet()) {
      if (known(entry.getKey())) {
        continue;
      }
      List<WaitingDelivery> waiting = entry.getValue();
      WaitingDelivery first = waiting.get(0);
      if (!workflows.announce(
          first.endpointId(), first.url(), first.runId(), false, notice(first))) {
        continue;
      }
      WebhookWorkflow workflow = client.newWorkflowStub(WebhookWorkflow.class, entry.getKey());
      for (WaitingDelivery next : waiting.subList(1, waiting.size())) {
        workflow.announce(notice(next));
      }
      started++;
    }
    return started;
  }

  private boolean known(String workflowId) {
    try {
      client.newUntypedWorkflowStub(workflowId).describe();
      return true;
    } catch (WorkflowNotFoundException notThere) {
      return false;
    }
  }

  private static RunEventNotice notice(WaitingDelivery d) {
    return new RunEventNotice(d.event(), d.id());
  }
}
