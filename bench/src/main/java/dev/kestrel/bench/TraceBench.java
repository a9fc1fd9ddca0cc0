package dev.kestrel.bench;

import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.TraceMode;
import dev.kestrel.model.api.Artifact;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Row 8: what a Playwright trace costs a run. The same completed 5-step run, queued with {@code
 * trace} off, on-failure (recorded, then dropped: the run completed) and always (recorded and
 * written to the run's files), in blocks that take turns; wall time from POST until the run is seen
 * COMPLETED, and the CPU of the server's whole process tree (JVM and Chromium) per run.
 */
final class TraceBench {
  private static final int BLOCK = 3;

  private TraceBench() {}

  static void run(Report report, String engine, KestrelServer server, String taskId, int rounds)
      throws Exception {
    KestrelClient api = server.api();
    Map<TraceMode, List<Double>> wall = new EnumMap<>(TraceMode.class);
    Map<TraceMode, Double> cpu = new EnumMap<>(TraceMode.class);
    List<Long> traceBytes = new ArrayList<>();
    for (TraceMode mode : TraceMode.values()) {
      wall.put(mode, new ArrayList<>());
      cpu.put(mode, 0.0);
      once(api, taskId, mode); // Warm: each mode's path compiled before it is timed.
    }
    ProcessHandle jvm = server.handle();
    TraceMode[] modes = TraceMode.values();
    for (int round = 0; round < rounds; round++) {
      for (int m = 0; m < modes.length; m++) {
        TraceMode mode = modes[(m + round) % modes.length]; // Each mode goes first in turn.
        double before = Cpu.treeMs(jvm);
        for (int i = 0; i < BLOCK; i++) {
          long began = System.nanoTime();
          String runId = once(api, taskId, mode);
          wall.get(mode).add((System.nanoTime() - began) / 1e6);
          if (mode == TraceMode.ALWAYS) {
            api.getRun(runId).artifacts().stream()
                .filter(a -> a.name().startsWith("trace-"))
                .map(Artifact::bytes)
                .forEach(traceBytes::add);
          }
        }
        cpu.merge(mode, Cpu.treeMs(jvm) - before, Double::sum);
      }
    }
    int perMode = rounds * BLOCK;
    Stats off = Stats.of(wall.get(TraceMode.OFF));
    for (TraceMode mode : List.of(TraceMode.ON_FAILURE, TraceMode.ALWAYS)) {
      Stats s = Stats.of(wall.get(mode));
      report.add(
          new Row(
              "8 trace " + mode.wireName(),
              engine,
              "end-to-end p50",
              "ms",
              s.p50(),
              off.p50(),
              "trace off",
              true,
              Double.NaN,
              Double.NaN));
      report.add(
          new Row(
              "8 trace " + mode.wireName(),
              engine,
              "CPU per run (tree)",
              "ms",
              cpu.get(mode) / perMode,
              cpu.get(TraceMode.OFF) / perMode,
              "trace off",
              true,
              Double.NaN,
              Double.NaN));
    }
    Map<String, Object> notes = new LinkedHashMap<>();
    notes.put("runs per mode", perMode);
    notes.put(
        "trace zip bytes p50 (always)",
        Stats.of(traceBytes.stream().map(Long::doubleValue).toList()).p50());
    report.note("8 trace cost (" + engine + ")", notes);
  }

  private static String once(KestrelClient api, String taskId, TraceMode mode) throws Exception {
    String runId = api.queueRun(taskId, RunRequest.defaults().trace(mode)).run().id();
    RunStatus status = Polling.awaitEnd(api, runId, 25, Duration.ofSeconds(120));
    if (status != RunStatus.COMPLETED) {
      throw new IllegalStateException("run " + runId + " ended " + status);
    }
    return runId;
  }
}
