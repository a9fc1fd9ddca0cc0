package dev.kestrel.bench;

import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.RunStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Row 7: CPU per 5-step run, runs one after another, each awaited with {@code waitForFinish} (no
 * polling load): the server's JVM against a plain Playwright program's JVM doing the same steps,
 * and the whole process tree (JVM, Playwright's driver, Chromium, and for the default the engine it
 * supervises) against the plain program's tree.
 */
final class CpuBench {
  private CpuBench() {}

  static void run(
      Report report,
      String engine,
      KestrelServer server,
      String taskId,
      Scenario scenario,
      int runs)
      throws Exception {
    KestrelClient api = server.api();
    for (int i = 0; i < 2; i++) {
      once(api, taskId);
    }
    ProcessHandle jvm = server.handle();
    double ownBefore = Cpu.ownMs(jvm);
    double treeBefore = Cpu.treeMs(jvm);
    long began = System.nanoTime();
    for (int i = 0; i < runs; i++) {
      once(api, taskId);
    }
    double wall = (System.nanoTime() - began) / 1e6 / runs;
    double ours = (Cpu.ownMs(jvm) - ownBefore) / runs;
    double oursTree = (Cpu.treeMs(jvm) - treeBefore) / runs;

    double[] plain = plain(scenario, runs);
    report.add(
        new Row(
            "7 CPU per run",
            engine,
            "JVM",
            "ms",
            ours,
            plain[0],
            "plain Playwright's JVM",
            true,
            Double.NaN,
            plain[0] + 150));
    report.add(
        new Row(
            "7 CPU per run",
            engine,
            "process tree",
            "ms",
            oursTree,
            plain[1],
            "plain Playwright's tree",
            true,
            Double.NaN,
            Double.NaN));
    Map<String, Object> notes = new LinkedHashMap<>();
    notes.put("runs", runs);
    notes.put("wall per run ms (awaited with waitForFinish)", wall);
    notes.put("plain wall per run ms", plain[2]);
    notes.put("tree minus JVM, ours ms (driver, Chromium, engine process)", oursTree - ours);
    notes.put("tree minus JVM, plain ms (driver, Chromium)", plain[1] - plain[0]);
    report.note("7 CPU breakdown (" + engine + ")", notes);
  }

  static void once(KestrelClient api, String taskId) throws Exception {
    String runId = api.queueRun(taskId).run().id();
    RunStatus status = api.awaitEnd(runId, Duration.ofSeconds(120)).status();
    if (status != RunStatus.COMPLETED) {
      throw new IllegalStateException("run " + runId + " ended " + status);
    }
  }

  /** JVM ms, tree ms and wall ms per run of the plain program, in a JVM of its own. */
  private static double[] plain(Scenario scenario, int runs) throws Exception {
    Path jar = Path.of(CpuBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Dkestrel.chromium=" + System.getProperty("kestrel.chromium", "/usr/bin/chromium"),
                "-cp",
                jar.toString(),
                PlainPlaywrightRuns.class.getName(),
                scenario.pageUrl(),
                String.valueOf(runs))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (BufferedReader out =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        OutputStream in = process.getOutputStream()) {
      expect(out, "READY");
      ProcessHandle jvm = process.toHandle();
      double ownBefore = Cpu.ownMs(jvm);
      double treeBefore = Cpu.treeMs(jvm);
      long began = System.nanoTime();
      in.write('\n');
      in.flush();
      expect(out, "DONE");
      double wall = (System.nanoTime() - began) / 1e6 / runs;
      double[] result = {
        (Cpu.ownMs(jvm) - ownBefore) / runs, (Cpu.treeMs(jvm) - treeBefore) / runs, wall
      };
      in.write('\n');
      in.flush();
      return result;
    } finally {
      process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static void expect(BufferedReader out, String line) throws Exception {
    for (String l = out.readLine(); l != null; l = out.readLine()) {
      if (l.equals(line)) {
        return;
      }
    }
    throw new IllegalStateException("the plain Playwright program ended before " + line);
  }
}
