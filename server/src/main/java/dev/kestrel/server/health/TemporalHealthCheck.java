package dev.kestrel.server.health;

import com.codahale.metrics.health.HealthCheck;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;

/** The workflow engine answers. */
public class TemporalHealthCheck extends HealthCheck {
  private final WorkflowClient client;

  public TemporalHealthCheck(WorkflowClient client) {
    this.client = client;
  }

  @Override
  protected Result check() {
    client.getWorkflowServiceStubs().blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    return Result.healthy("engine at " + client.getWorkflowServiceStubs().getOptions().getTarget());
  }
}
