package dev.kestrel.server.health;

import com.codahale.metrics.health.HealthCheck;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The workflow engine answers; the message names its mode, where it is, and a managed server's
 * state.
 */
public class TemporalHealthCheck extends HealthCheck {
  private final WorkflowClient client;
  private final Supplier<String> description;

  public TemporalHealthCheck(WorkflowClient client, Supplier<String> description) {
    this.client = client;
    this.description = description;
  }

  @Override
  protected Result check() {
    try {
      client
          .getWorkflowServiceStubs()
          .blockingStub()
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Result.healthy(description.get());
    } catch (RuntimeException e) {
      return Result.unhealthy(
          description.get() + ": not answering (" + HealthMessages.oneLine(e) + ")");
    }
  }
}
