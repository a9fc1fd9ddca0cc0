package dev.kestrel.bench;

import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.api.LogEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * Row 5: a page logs {@code tick <epoch ms>} to its console every 100 ms during a step; how long
 * until each entry is returned by {@code GET /task-runs/{id}/logs} (polled every 50 ms), against
 * how long until it can be read from the store directly (polled the same way, at the same time).
 */
final class LogLatencyBench {
  private static final Pattern TICK = Pattern.compile("tick (\\d+)");

  private LogLatencyBench() {}

  static void run(Report report, KestrelServer server, String pagesBase) throws Exception {
    KestrelClient api = server.api();
    String taskId =
        api.createTask(
                """
        {"name": "Log latency", "steps": [
          {"id": "open", "action": "goto", "url": "%s/ticker?n=50&everyMs=100"},
          {"id": "watch", "action": "waitFor", "ms": 6000}
        ]}
        """
                    .formatted(pagesBase))
            .id();
    String runId = api.queueRun(taskId).run().id();
    List<Double> viaApi = Collections.synchronizedList(new ArrayList<>());
    List<Double> viaStore = Collections.synchronizedList(new ArrayList<>());
    Jdbi jdbi = Jdbi.create(server.databaseUrl(), "sa", "");
    Thread storePoller =
        new Thread(
            () -> {
              Set<String> seen = new HashSet<>();
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  List<String> messages =
                      jdbi.withHandle(
                          h ->
                              h.createQuery(
                                      "SELECT id || ' ' || message FROM run_logs WHERE run_id = :r")
                                  .bind("r", runId)
                                  .mapTo(String.class)
                                  .list());
                  long now = System.currentTimeMillis();
                  for (String m : messages) {
                    if (seen.add(m.substring(0, 36))) {
                      record(m, now, viaStore);
                    }
                  }
                  Thread.sleep(50);
                }
              } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
              }
            });
    storePoller.start();
    String after = null;
    while (true) {
      List<LogEntry> logs = api.logs(runId, after);
      long now = System.currentTimeMillis();
      for (LogEntry e : logs) {
        record(e.message(), now, viaApi);
        after = e.id();
      }
      if (api.getRun(runId).status().isTerminal()) {
        break;
      }
      Thread.sleep(50);
    }
    storePoller.interrupt();
    storePoller.join();
    Stats a = Stats.of(viaApi);
    Stats s = Stats.of(viaStore);
    report.note("5 tick entries seen via API / via store", a.n() + " / " + s.n());
    report.add(
        new Row(
            "5 log latency",
            "in-memory",
            "p50",
            "ms",
            a.p50(),
            s.p50(),
            "read from the store",
            true,
            Double.NaN,
            Double.NaN));
    report.add(
        new Row(
            "5 log latency",
            "in-memory",
            "p95",
            "ms",
            a.p95(),
            s.p95(),
            "read from the store",
            true,
            Double.NaN,
            1000));
  }

  private static void record(String message, long now, List<Double> into) {
    Matcher m = TICK.matcher(message);
    if (m.find()) {
      into.add((double) (now - Long.parseLong(m.group(1))));
    }
  }
}
