package dev.kestrel.activities.webhook;

import dev.kestrel.workflows.WebhookWorkflow;
import dev.kestrel.workflows.WebhookWorkflow.DeliverySettings;
import dev.kestrel.workflows.WebhookWorkflow.RunEventNotice;
import dev.kestrel.workflows.WebhookWorkflow.WebhookInput;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;

/**
 * Hands an event to an endpoint's webhook workflow for a run, starting that workflow with the
 * first.
 */
final class WebhookWorkflowStarter {
  private final WorkflowClient client;
  private final DeliverySettings settings;

  WebhookWorkflowStarter(WorkflowClient client, DeliverySettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /** Signal-with-start; false when the workflow had finished (its events are all delivered). */
  boolean announce(
      String endpointId, String url, String runId, boolean wantsLogs, RunEventNotice notice) {
    WebhookWorkflow workflow =
        client.newWorkflowStub(
            WebhookWorkflow.class, WebhookWorkflow.startOptions(endpointId, runId, url));
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(workflow::deliver, WebhookInput.start(endpointId, runId, wantsLogs, settings));
    request.add(workflow::announce, notice);
    try {
      client.signalWithStart(request);
      return true;
    } catch (WorkflowExecutionAlreadyStarted finished) {
      return false;
    }
  }
}
