package dev.kestrel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.StepSpec;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.api.Task;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.RunWorkflow;
import io.dropwizard.jackson.Jackson;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Row 1: {@code POST /tasks/{id}/runs} against a raw {@code WorkflowClient.start} of the same
 * workflow, with the same input and options, on the same engine. The server runs no worker, so that
 * only accepting is measured.
 */
final class SubmissionBench {
  private static final ObjectMapper JSON = Jackson.newObjectMapper();

  private SubmissionBench() {}

  static void run(Report report, String engine, KestrelServer server, String taskId, int perLevel)
      throws Exception {
    KestrelClient api = server.api();
    Task task = api.getTask(taskId);
    List<StepSpec> steps = task.steps();
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(server.engineTarget()).build());
    WorkflowClient client = WorkflowClient.newInstance(service);
    String organizationId = "bench-raw";
    Load.Op ours = () -> api.queueRun(taskId);
    Load.Op raw =
        () -> {
          RunInput input =
              new RunInput(
                  UUID.randomUUID().toString(),
                  organizationId,
                  taskId,
                  task.name(),
                  task.version(),
                  null,
                  TriggerType.API,
                  System.currentTimeMillis(),
                  Map.of(),
                  steps,
                  task.timeoutSeconds(),
                  RunInput.ExecutionSettings.defaults());
          RunWorkflow stub =
              client.newWorkflowStub(RunWorkflow.class, RunWorkflow.startOptions(input));
          WorkflowClient.start(stub::run, input);
        };
    try {
      Load.closed(8, 100, ours);
      Load.closed(8, 100, raw);
      for (int concurrency : new int[] {1, 8, 32}) {
        Load.Result o = Load.closed(concurrency, perLevel, ours);
        Load.Result r = Load.closed(concurrency, perLevel, raw);
        check(o, "POST /runs");
        check(r, "WorkflowClient.start");
        String row = "1 submission c=" + concurrency;
        double target = concurrency == 32 ? 0.6 : Double.NaN;
        report.add(
            new Row(
                row,
                engine,
                "throughput",
                "req/s",
                o.perSecond(),
                r.perSecond(),
                "raw start",
                false,
                target,
                Double.NaN));
        report.add(
            new Row(
                row,
                engine,
                "latency p50",
                "ms",
                o.stats().p50(),
                r.stats().p50(),
                "raw start",
                true,
                Double.NaN,
                Double.NaN));
        report.add(
            new Row(
                row,
                engine,
                "latency p99",
                "ms",
                o.stats().p99(),
                r.stats().p99(),
                "raw start",
                true,
                Double.NaN,
                Double.NaN));
      }
    } finally {
      service.shutdownNow();
    }
  }

  static void check(Load.Result result, String what) {
    if (result.errors() > 0) {
      throw new IllegalStateException(what + ": " + result.errors() + " requests failed");
    }
  }
}
