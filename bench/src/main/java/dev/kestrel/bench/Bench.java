package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Playwright;
import dev.kestrel.bench.KestrelServer.Engine;
import dev.kestrel.bench.Report.Row;
import dev.kestrel.testkit.TemporalDevServer;
import dev.kestrel.testkit.TestPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The benchmark: every row is the product (run as users run it, in JVMs of its own) against a
 * baseline measured in the same run on the same machine. Prints a table and writes it as JSON and
 * Markdown to {@code bench/target/} (or the folder given with {@code --out}).
 *
 * <p>{@code --quick} uses small samples, to check the benchmark itself works. {@code --only
 * site,growth} runs rows 11 and 10 (the real-site page, cost growth with the number of steps).
 * {@code --only submission,e2e,cpu,throughput} runs those parts alone (on the in-memory engine and
 * the default; the SQLite comparisons of row 6 only run in a whole bench). {@code --ab A.jar B.jar
 * [rounds] [--local] [--jfr DIR] [--submission] [--steps N | --task FILE]} compares two builds of
 * the server side by side ({@link AbBench}).
 */
public final class Bench {
  static final String DEFAULT_ENGINE = "local (default)";
  static final String SQLITE_DEFAULTS = "local, SQLite defaults";
  static final String SQLITE_IN_MEMORY = "dev server, SQLite in memory";

  private Bench() {}

  /**
   * Row 2 (one slot) then row 1 (an API alone, whose submitted runs stay queued) on the engine
   * {@code engines} makes: a LOCAL engine belongs to one server's data folder, so each server gets
   * a fresh one.
   */
  private static void rowsOneAndTwo(
      Report report,
      Path work,
      Scenario scenario,
      Browser browser,
      boolean quick,
      Supplier<Engine> engines)
      throws Exception {
    rowsOneAndTwo(report, work, scenario, browser, quick, engines, Set.of("submission", "e2e"));
  }

  private static void rowsOneAndTwo(
      Report report,
      Path work,
      Scenario scenario,
      Browser browser,
      boolean quick,
      Supplier<Engine> engines,
      Set<String> parts)
      throws Exception {
    Engine engine = engines.get();
    System.out.println("Rows 1 and 2 on " + engine.name());
    String folder = engine.name().replaceAll("[^a-z]+", "-");
    if (parts.contains("e2e")
        || parts.contains("cpu")
        || parts.contains("site")
        || parts.contains("growth")) {
      try (KestrelServer server =
          new KestrelServer(work.resolve("e2e-" + folder), engine, 1).start()) {
        String task = server.api().createTask(scenario.taskJson("Bench")).id();
        if (parts.contains("e2e")) {
          EndToEndBench.run(report, engine.name(), server, task, scenario, browser, quick ? 3 : 12);
        }
        if (parts.contains("cpu")) {
          CpuBench.run(report, engine.name(), server, task, scenario, quick ? 5 : 20);
        }
        if (parts.contains("site")) {
          Scenario site = scenario.on(scenario.pageUrl().replace("/order?delayMs=0", "/site"));
          EndToEndBench.run(
              report,
              EndToEndBench.REAL_SITE_ROW,
              1.25,
              engine.name(),
              server,
              server.api().createTask(site.taskJson("Real site")).id(),
              site,
              browser,
              quick ? 3 : 12);
        }
        if (parts.contains("growth")) {
          GrowthBench.run(report, engine.name(), server, scenario, browser, quick ? 1 : 3);
        }
      }
    }
    if (!parts.contains("submission")) {
      return;
    }
    try (KestrelServer api =
        new KestrelServer(work.resolve("api-" + folder), engines.get(), 0).start()) {
      String task = api.api().createTask(scenario.taskJson("Bench")).id();
      SubmissionBench.run(report, engine.name(), api, task, quick ? 60 : 150);
    }
  }

  public static void main(String[] args) throws Exception {
    List<String> options = List.of(args);
    boolean quick = options.contains("--quick");
    int outAt = options.indexOf("--out");
    Path out = Path.of(outAt >= 0 ? args[outAt + 1] : "bench/target");
    int onlyAt = options.indexOf("--only");
    Set<String> parts =
        onlyAt >= 0
            ? Set.of(args[onlyAt + 1].split(","))
            : Set.of(
                "submission",
                "e2e",
                "cpu",
                "site",
                "growth",
                "heavy",
                "trace",
                "checkpoint",
                "throughput");
    boolean whole = onlyAt < 0;
    Path work = Files.createTempDirectory("kestrel-bench-");
    long began = System.nanoTime();
    Report report = new Report();
    report.note(
        "machine",
        Runtime.getRuntime().availableProcessors()
            + " cores, "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MB max heap for the bench JVM, "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.version")
            + ", "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.arch"));

    TestPages pages = new TestPages();
    pages.start();
    Scenario scenario = new Scenario(pages.url("/order?delayMs=0"));
    int abAt = options.indexOf("--ab");
    if (abAt >= 0) {
      int rounds =
          args.length > abAt + 3 && args[abAt + 3].matches("\\d+")
              ? Integer.parseInt(args[abAt + 3])
              : 6;
      int jfrAt = options.indexOf("--jfr");
      if (options.contains("--submission")) {
        AbBench.submission(
            work,
            scenario,
            Path.of(args[abAt + 1]),
            Path.of(args[abAt + 2]),
            rounds,
            options.contains("--local"));
        pages.stop();
        return;
      }
      int stepsAt = options.indexOf("--steps");
      int taskAt = options.indexOf("--task");
      AbBench.run(
          work,
          taskAt >= 0
              ? Files.readString(Path.of(args[taskAt + 1]))
                  .replace("{{pages}}", pages.url("").replaceAll("/$", ""))
              : stepsAt >= 0
                  ? GrowthBench.taskJson(scenario, Integer.parseInt(args[stepsAt + 1]))
                  : scenario.taskJson("AB"),
          Path.of(args[abAt + 1]),
          Path.of(args[abAt + 2]),
          rounds,
          options.contains("--local"),
          jfrAt >= 0 ? Path.of(args[jfrAt + 1]) : null);
      pages.stop();
      return;
    }
    try (Playwright playwright = Scenario.playwright();
        Browser browser = Scenario.launch(playwright)) {
      if (parts.contains("submission")) {
        System.out.println("Rows 1 and 4 on the in-memory engine (an API without a worker)");
        try (KestrelServer api =
            new KestrelServer(work.resolve("api-memory"), Engine.inMemory(), 0).start()) {
          String task = api.api().createTask(scenario.taskJson("Bench")).id();
          SubmissionBench.run(report, api.engineName(), api, task, quick ? 60 : 300);
          ReadPathBench.run(
              report, api, task, quick ? 2_000 : 10_000, Duration.ofSeconds(quick ? 3 : 10));
        }
      }

      if (parts.contains("e2e") || parts.contains("cpu")) {
        System.out.println("Rows 2, 5 and 7 on the in-memory engine (one slot)");
        try (KestrelServer server =
            new KestrelServer(work.resolve("e2e-memory"), Engine.inMemory(), 1).start()) {
          String task = server.api().createTask(scenario.taskJson("Bench")).id();
          if (parts.contains("e2e")) {
            EndToEndBench.run(
                report, server.engineName(), server, task, scenario, browser, quick ? 3 : 12);
            LogLatencyBench.run(report, server, pages.url(""));
          }
          if (parts.contains("cpu")) {
            CpuBench.run(report, server.engineName(), server, task, scenario, quick ? 5 : 20);
          }
        }
      }

      if (parts.contains("growth")) {
        System.out.println("Row 10 on the in-memory engine (one slot): how cost grows with steps");
        try (KestrelServer server =
            new KestrelServer(work.resolve("growth-memory"), Engine.inMemory(), 1).start()) {
          GrowthBench.run(report, server.engineName(), server, scenario, browser, quick ? 1 : 3);
        }
      }

      if (parts.contains("heavy")) {
        System.out.println("Row 13: a heavy page through the egress proxy");
        HeavyPageBench.run(report, playwright, quick ? 3 : 9);
      }

      if (parts.contains("trace")) {
        System.out.println(
            "Row 8 on the in-memory engine (one slot): what a Playwright trace costs");
        try (KestrelServer server =
            new KestrelServer(work.resolve("trace-memory"), Engine.inMemory(), 1).start()) {
          TraceBench.run(
              report,
              server.engineName(),
              server,
              server.api().createTask(scenario.taskJson("Traced")).id(),
              quick ? 1 : 4);
        }
      }

      if (parts.contains("checkpoint")) {
        System.out.println("Row 9 on the in-memory engine (one slot): what checkpoints cost");
        try (KestrelServer server =
            new KestrelServer(work.resolve("checkpoint-memory"), Engine.inMemory(), 1).start()) {
          CheckpointBench.run(report, server.engineName(), server, scenario, quick ? 1 : 6);
        }
      }

      // Rows 1 and 2 on the default (LOCAL: the dev server on a SQLite file, WAL), on the same with
      // SQLite's own defaults, and on a dev server whose SQLite is in memory: what SQLite costs.
      rowsOneAndTwo(report, work, scenario, browser, quick, Engine::localDefault, parts);
      if (whole) {
        rowsOneAndTwo(
            report, work, scenario, browser, quick, () -> Engine.local(SQLITE_DEFAULTS, List.of()));
        try (TemporalDevServer memory =
            new TemporalDevServer(Files.createDirectories(work.resolve("temporal-memory")), false)
                .start()) {
          rowsOneAndTwo(
              report,
              work,
              scenario,
              browser,
              quick,
              () -> Engine.external(SQLITE_IN_MEMORY, memory.target()));
        }
        for (String engine : List.of(DEFAULT_ENGINE, SQLITE_DEFAULTS)) {
          Row e2e = report.find(EndToEndBench.ROW, engine, "latency p50");
          Row e2eMemory = report.find(EndToEndBench.ROW, SQLITE_IN_MEMORY, "latency p50");
          report.add(
              new Row(
                  "6 SQLite cost: end-to-end",
                  engine,
                  "latency p50",
                  "ms",
                  e2e.ours(),
                  e2eMemory.ours(),
                  SQLITE_IN_MEMORY,
                  true,
                  Double.NaN,
                  Double.NaN));
          Row start = report.find("1 submission c=8", engine, "throughput");
          Row startMemory = report.find("1 submission c=8", SQLITE_IN_MEMORY, "throughput");
          report.add(
              new Row(
                  "6 SQLite cost: raw start c=8",
                  engine,
                  "throughput",
                  "req/s",
                  start.baseline(),
                  startMemory.baseline(),
                  SQLITE_IN_MEMORY,
                  false,
                  Double.NaN,
                  Double.NaN));
        }
      }
    }

    // 100 runs where the target is (4 slots); 20 with 1 and 2 slots keep the whole bench under
    // 10 minutes on 2 cores (a run costs about 2.6 s of CPU, so 100 runs take minutes at any slot
    // count).
    for (int slots : parts.contains("throughput") ? new int[] {1, 2, 4} : new int[0]) {
      System.out.println("Row 3 with " + slots + " slot(s)");
      ThroughputBench.run(
          report,
          work,
          scenario,
          slots,
          quick ? 8 : slots == 4 ? 100 : 20,
          quick ? slots : 3 * slots);
    }
    pages.stop();
    finish(report, out, began);
  }

  private static void finish(Report report, Path out, long began) throws java.io.IOException {
    report.note("bench wall time (s)", Math.round((System.nanoTime() - began) / 1e9));
    report.write(out);
    System.out.println();
    System.out.println(report.markdown());
    System.out.println(
        "Written to "
            + out.toAbsolutePath().resolve("bench-results.json")
            + " and bench-results.md");
  }
}
