package dev.kestrel.bench;

import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Row 9: what the durable browser state costs a run. The same completed 5-step run, as a task that
 * keeps a checkpoint after each step but the last (the default: capture on the slot thread, seal,
 * store) and as the same task with {@code "resume": "restart"}, which keeps none, in blocks that
 * take turns; wall time from POST until the run is seen COMPLETED. The difference over the four
 * checkpoints is the cost of one.
 */
final class CheckpointBench {
  private static final int BLOCK = 3;

  /** The scenario's steps that keep a checkpoint: all but the last. */
  private static final int CHECKPOINTS_PER_RUN = 4;

  private CheckpointBench() {}

  static void run(Report report, String engine, KestrelServer server, Scenario scenario, int rounds)
      throws Exception {
    KestrelClient api = server.api();
    String kept = api.createTask(scenario.taskJson("Checkpointed")).id();
    String none =
        api.createTask(
                scenario.taskJson("Restarts").replaceFirst("\\{", "{\"resume\": \"restart\", "))
            .id();
    List<Double> withCheckpoints = new ArrayList<>();
    List<Double> without = new ArrayList<>();
    once(api, kept); // Warm: both paths compiled before they are timed.
    once(api, none);
    for (int round = 0; round < rounds; round++) {
      boolean keptFirst = round % 2 == 0; // Each goes first in turn.
      for (int half = 0; half < 2; half++) {
        boolean keeping = (half == 0) == keptFirst;
        for (int i = 0; i < BLOCK; i++) {
          long began = System.nanoTime();
          once(api, keeping ? kept : none);
          (keeping ? withCheckpoints : without).add((System.nanoTime() - began) / 1e6);
        }
      }
    }
    Stats on = Stats.of(withCheckpoints);
    Stats off = Stats.of(without);
    report.add(
        new Row(
            "9 checkpoints",
            engine,
            "end-to-end p50",
            "ms",
            on.p50(),
            off.p50(),
            "no checkpoints",
            true,
            1.05,
            Double.NaN));
    Map<String, Object> notes = new LinkedHashMap<>();
    notes.put("runs each", withCheckpoints.size());
    notes.put("checkpoints per run", CHECKPOINTS_PER_RUN);
    notes.put(
        "cost of one checkpoint, p50 difference / checkpoints (ms)",
        (on.p50() - off.p50()) / CHECKPOINTS_PER_RUN);
    report.note("9 checkpoint cost (" + engine + ")", notes);
  }

  private static void once(KestrelClient api, String taskId) throws Exception {
    String runId = api.queueRun(taskId, RunRequest.defaults()).run().id();
    RunStatus status = Polling.awaitEnd(api, runId, 25, Duration.ofSeconds(120));
    if (status != RunStatus.COMPLETED) {
      throw new IllegalStateException("run " + runId + " ended " + status);
    }
  }
}
