package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.LogEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Row 2: a 5-step run from POST until COMPLETED is observed (polling every 25 ms), against the same
 * steps in a plain Playwright program on a browser that is already running (a fresh context per
 * run, as each of our runs gets). The run's own log gives the breakdown.
 */
final class EndToEndBench {
  private static final Pattern OPENED =
      Pattern.compile("slot free after (\\d+) ms, page ready in (\\d+) ms");
  private static final Pattern STEP_DONE = Pattern.compile("done in (\\d+) ms");

  private EndToEndBench() {}

  static final String ROW = "2 end-to-end 5 steps";

  /**
   * Row 11: the same on a page that loads as a real site does (the document and 20 subresources).
   */
  static final String REAL_SITE_ROW = "11 end-to-end 5 steps, real-site page";

  static void run(
      Report report,
      String engine,
      KestrelServer server,
      String taskId,
      Scenario scenario,
      Browser browser,
      int iterations)
      throws Exception {
    run(report, ROW, 1.3, engine, server, taskId, scenario, browser, iterations);
  }

  static void run(
      Report report,
      String row,
      double targetRatio,
      String engine,
      KestrelServer server,
      String taskId,
      Scenario scenario,
      Browser browser,
      int iterations)
      throws Exception {
    KestrelClient api = server.api();
    List<Double> ours = new ArrayList<>();
    List<Double> slotWait = new ArrayList<>();
    List<Double> sessionStart = new ArrayList<>();
    List<List<Double>> stepTimes = new ArrayList<>();
    List<Double> overhead = new ArrayList<>();
    String lastRun = null;
    for (int i = -2; i < iterations; i++) {
      long start = System.nanoTime();
      String runId = api.queueRun(taskId).run().id();
      awaitCompleted(api, runId);
      lastRun = runId;
      double total = (System.nanoTime() - start) / 1e6;
      if (i < 0) {
        continue; // warm-up
      }
      ours.add(total);
      double slot = 0;
      double page = 0;
      List<Double> steps = new ArrayList<>();
      for (LogEntry e : api.logs(runId)) {
        String message = e.message();
        Matcher opened = OPENED.matcher(message);
        Matcher done = STEP_DONE.matcher(message);
        if (opened.find()) {
          slot = Double.parseDouble(opened.group(1));
          page = Double.parseDouble(opened.group(2));
        } else if (done.find()) {
          steps.add(Double.parseDouble(done.group(1)));
        }
      }
      slotWait.add(slot);
      sessionStart.add(page);
      stepTimes.add(steps);
      overhead.add(total - slot - page - steps.stream().mapToDouble(Double::doubleValue).sum());
    }

    List<Double> plain = new ArrayList<>();
    for (int i = -2; i < iterations; i++) {
      long start = System.nanoTime();
      try (BrowserContext context = browser.newContext()) {
        scenario.runSteps(context.newPage());
      }
      if (i >= 0) {
        plain.add((System.nanoTime() - start) / 1e6);
      }
    }

    Stats o = Stats.of(ours);
    Stats p = Stats.of(plain);
    report.add(
        new Row(
            row,
            engine,
            "latency p50",
            "ms",
            o.p50(),
            p.p50(),
            "plain Playwright",
            true,
            targetRatio,
            Double.NaN));
    report.add(
        new Row(
            row,
            engine,
            "latency p95",
            "ms",
            o.p95(),
            p.p95(),
            "plain Playwright",
            true,
            Double.NaN,
            Double.NaN));
    Map<String, Object> breakdown = new LinkedHashMap<>();
    breakdown.put("total p50 ms", o.p50());
    breakdown.put("wait for a slot p50 ms", Stats.of(slotWait).p50());
    breakdown.put("session start (context + page) p50 ms", Stats.of(sessionStart).p50());
    for (int s = 0; s < 5; s++) {
      List<Double> one = new ArrayList<>();
      for (List<Double> run : stepTimes) {
        if (run.size() > s) {
          one.add(run.get(s));
        }
      }
      breakdown.put("step " + (s + 1) + " p50 ms", Stats.of(one).p50());
    }
    breakdown.put("workflow and API overhead p50 ms", Stats.of(overhead).p50());
    breakdown.put("plain Playwright p50 ms", p.p50());
    report.note(row.split(" ")[0] + " breakdown (" + engine + ")", breakdown);
    report.note(
        row.split(" ")[0] + " engine timeline of the last run (" + engine + ")",
        EngineTimeline.of(server.engineTarget(), lastRun));
  }

  static void awaitCompleted(KestrelClient api, String runId) throws Exception {
    // Often enough to see the end within 25 ms, seldom enough not to load the server it measures.
    RunStatus status = Polling.awaitEnd(api, runId, 25, Duration.ofSeconds(120));
    if (status != RunStatus.COMPLETED) {
      throw new IllegalStateException("run " + runId + " ended " + status);
    }
  }
}
