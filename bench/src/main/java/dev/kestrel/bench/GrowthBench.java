package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
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
 * Row 10: how a run's cost grows with its steps. The same task (one {@code goto}, then N−1 {@code
 * fill}s) at N = 5, 10, 50 and 200, runs one after another, each awaited with {@code
 * waitForFinish}; a least-squares line through wall time (and the server JVM's CPU) against N gives
 * the cost per step and per run. The baseline is the same steps in a plain Playwright program on a
 * running browser, fitted the same way. The engine timeline of the last 50-step run splits a step
 * into its parts.
 *
 * <p>Row 12: the cost of a nested step. The same fills inside a {@code repeat} (one {@code goto},
 * then a loop of N−1 rounds of one fill), fitted the same way, against row 10's top-level slope
 * measured in the same run.
 */
final class GrowthBench {
  static final int[] SIZES = {5, 10, 50, 200};
  private static final Pattern STEP_DONE = Pattern.compile("done in (\\d+) ms");

  private GrowthBench() {}

  static void run(
      Report report,
      String engine,
      KestrelServer server,
      Scenario scenario,
      Browser browser,
      int runs)
      throws Exception {
    KestrelClient api = server.api();
    ProcessHandle jvm = server.handle();
    List<double[]> wall = new ArrayList<>(); // {N, ms}
    List<double[]> cpu = new ArrayList<>();
    Map<String, Object> notes = new LinkedHashMap<>();
    String last50 = null;
    for (int n : SIZES) {
      String task = api.createTask(taskJson(scenario, n)).id();
      once(api, task); // warm-up of this size
      Map<String, Double> metricsBefore = n == 50 ? scrape(server) : null;
      List<Double> walls = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        double cpuBefore = Cpu.ownMs(jvm);
        long began = System.nanoTime();
        String runId = once(api, task);
        double ms = (System.nanoTime() - began) / 1e6;
        wall.add(new double[] {n, ms});
        walls.add(ms);
        cpu.add(new double[] {n, Cpu.ownMs(jvm) - cpuBefore});
        if (n == 50) {
          last50 = runId;
        }
      }
      notes.put(n + " steps: wall p50 ms", Stats.of(walls).p50());
      if (metricsBefore != null) {
        notes.put(
            "50-step runs, per step (the worker's own timers)",
            perStep(metricsBefore, scrape(server)));
      }
    }
    List<double[]> nestedWall = new ArrayList<>();
    for (int n : SIZES) {
      String task = api.createTask(nestedTaskJson(scenario, n)).id();
      once(api, task);
      for (int i = 0; i < runs; i++) {
        long began = System.nanoTime();
        once(api, task);
        nestedWall.add(new double[] {n, (System.nanoTime() - began) / 1e6});
      }
    }
    List<double[]> plainWall = new ArrayList<>();
    for (int n : SIZES) {
      plainSteps(browser, scenario, n); // warm-up of this size
      for (int i = 0; i < runs; i++) {
        long began = System.nanoTime();
        plainSteps(browser, scenario, n);
        plainWall.add(new double[] {n, (System.nanoTime() - began) / 1e6});
      }
    }
    double[] ours = fit(wall);
    double[] plain = fit(plainWall);
    double[] ourCpu = fit(cpu);
    double[] nested = fit(nestedWall);
    report.add(
        new Row(
            "12 nested step cost",
            engine,
            "wall per step",
            "ms",
            nested[1],
            ours[1],
            "a top-level step (row 10)",
            true,
            Double.NaN,
            Double.NaN));
    notes.put("nested: per run ms (fitted)", nested[0]);
    report.add(
        new Row(
            "10 cost growth",
            engine,
            "wall per step",
            "ms",
            ours[1],
            plain[1],
            "plain Playwright",
            true,
            Double.NaN,
            35));
    report.add(
        new Row(
            "10 cost growth",
            engine,
            "wall per run",
            "ms",
            ours[0],
            plain[0],
            "plain Playwright",
            true,
            Double.NaN,
            Double.NaN));
    report.add(
        new Row(
            "10 cost growth",
            engine,
            "200 steps, wall p50",
            "ms",
            (Double) notes.get("200 steps: wall p50 ms"),
            plain[0] + 200 * plain[1],
            "plain Playwright (fitted)",
            true,
            Double.NaN,
            8_000));
    notes.put("JVM CPU per step ms (fitted)", ourCpu[1]);
    notes.put("JVM CPU per run ms (fitted)", ourCpu[0]);
    notes.put("plain Playwright per step ms (fitted)", plain[1]);
    notes.put("plain Playwright per run ms (fitted)", plain[0]);
    notes.put("runs per size", runs);
    if (last50 != null) {
      notes.put("a step of the last 50-step run, medians", stepParts(server, api, last50));
    }
    report.note("10 cost growth (" + engine + ")", notes);
  }

  /** One goto, then fills: the steps of a long form. */
  static String taskJson(Scenario scenario, int steps) {
    StringBuilder json =
        new StringBuilder(
            "{\"name\": \"Growth "
                + steps
                + "\", \"timeoutSeconds\": 900, \"steps\": [{\"id\": \"open\", \"action\": \"goto\", \"url\": \""
                + scenario.pageUrl()
                + "\"}");
    for (int i = 1; i < steps; i++) {
      json.append(", {\"id\": \"fill")
          .append(i)
          .append("\", \"action\": \"fill\", \"selector\": \"#order\", \"value\": \"")
          .append(i)
          .append("\"}");
    }
    return json.append("]}").toString();
  }

  /** One goto, then a repeat of N−1 rounds of one fill: row 10's steps, nested. */
  static String nestedTaskJson(Scenario scenario, int steps) {
    return "{\"name\": \"Nested "
        + steps
        + "\", \"timeoutSeconds\": 900, \"steps\": [{\"id\": \"open\", \"action\": \"goto\","
        + " \"url\": \""
        + scenario.pageUrl()
        + "\"}, {\"id\": \"rounds\", \"action\": \"repeat\", \"max\": "
        + (steps - 1)
        + ", \"steps\": [{\"id\": \"fill\", \"action\": \"fill\", \"selector\": \"#order\","
        + " \"value\": \"{{loop.index}}\"}]}]}";
  }

  private static void plainSteps(Browser browser, Scenario scenario, int steps) {
    try (BrowserContext context = browser.newContext()) {
      Page page = context.newPage();
      page.navigate(scenario.pageUrl());
      for (int i = 1; i < steps; i++) {
        page.fill("#order", String.valueOf(i));
      }
    }
  }

  private static String once(KestrelClient api, String taskId) throws Exception {
    String runId = api.queueRun(taskId).run().id();
    RunStatus status = api.awaitEnd(runId, Duration.ofSeconds(300)).status();
    if (status != RunStatus.COMPLETED) {
      throw new IllegalStateException("run " + runId + " ended " + status);
    }
    return runId;
  }

  private static final String[] TIMERS = {
    "kestrel_step_duration_seconds", "kestrel_step_store_seconds", "kestrel_step_checkpoint_seconds"
  };

  /** The sums and counts of the step timers, over all their labels, from the admin port. */
  private static Map<String, Double> scrape(KestrelServer server) throws Exception {
    String text =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            "http://127.0.0.1:" + server.adminPort + "/metrics/prometheus"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Double> totals = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      for (String timer : TIMERS) {
        for (String part : new String[] {"_sum", "_count"}) {
          if (line.startsWith(timer + part + "{") || line.startsWith(timer + part + " ")) {
            double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            totals.merge(timer + part, value, Double::sum);
          }
        }
      }
    }
    return totals;
  }

  /**
   * Per step between two scrapes: the browser's work (without keeping its state), the store's
   * writes and the checkpoint, in ms.
   */
  private static Map<String, Object> perStep(
      Map<String, Double> before, Map<String, Double> after) {
    double steps =
        after.getOrDefault(TIMERS[0] + "_count", 0.0)
            - before.getOrDefault(TIMERS[0] + "_count", 0.0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("steps", steps);
    for (String timer : TIMERS) {
      double seconds =
          after.getOrDefault(timer + "_sum", 0.0) - before.getOrDefault(timer + "_sum", 0.0);
      out.put(
          timer.replace("kestrel_", "").replace("_seconds", "") + " ms", seconds * 1000 / steps);
    }
    return out;
  }

  /** Least squares through (N, ms): {intercept, slope}. */
  static double[] fit(List<double[]> points) {
    double n = points.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (double[] p : points) {
      sx += p[0];
      sy += p[1];
      sxx += p[0] * p[0];
      sxy += p[0] * p[1];
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    return new double[] {(sy - slope * sx) / n, slope};
  }

  /**
   * The medians of a step's parts in one run: the engine's (pick-up wait, activity execution,
   * workflow task, the rest of the gap between two steps) and the browser's, from the run's log.
   */
  private static Map<String, Object> stepParts(
      KestrelServer server, KestrelClient api, String runId) throws Exception {
    Map<String, Object> parts =
        new LinkedHashMap<>(EngineTimeline.stepMedians(server.engineTarget(), runId));
    List<Double> browser = new ArrayList<>();
    for (LogEntry e : api.logs(runId)) {
      Matcher done = STEP_DONE.matcher(e.message());
      if (done.find()) {
        browser.add(Double.parseDouble(done.group(1)));
      }
    }
    double browserP50 = Stats.of(browser).p50();
    parts.put("browser work (the run's log) ms", browserP50);
    Object execution = parts.get("activity running, started to completed ms");
    if (execution instanceof Double ms) {
      parts.put("activity's own time (running minus browser work) ms", ms - browserP50);
    }
    return parts;
  }
}
