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
import java.util.function.Supplier;

/**
 * The benchmark: every row is the product (run as users run it, in JVMs of its own) against a
 * baseline measured in the same run on the same machine. Prints a table and writes it as JSON and
 * Markdown to {@code bench/target/} (or the folder given with {@code --out}).
 *
 * <p>{@code --quick} uses small samples, to check the benchmark itself works.
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
  private static void rowsOneAndTwo(Report report, Path work, Scenario scenario, Browser browser, boolean quick,
      Supplier<Engine> engines) throws Exception {
    Engine engine = engines.get();
    System.out.println("Rows 1 and 2 on " + engine.name());
    String folder = engine.name().replaceAll("[^a-z]+", "-");
    try (KestrelServer server = new KestrelServer(work.resolve("e2e-" + folder), engine, 1).start()) {
      String task = server.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
      EndToEndBench.run(report, engine.name(), server, task, scenario, browser, quick ? 3 : 12);
    }
    try (KestrelServer api = new KestrelServer(work.resolve("api-" + folder), engines.get(), 0).start()) {
      String task = api.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
      SubmissionBench.run(report, engine.name(), api, task, quick ? 60 : 150);
    }
  }

  public static void main(String[] args) throws Exception {
    List<String> options = List.of(args);
    boolean quick = options.contains("--quick");
    int outAt = options.indexOf("--out");
    Path out = Path.of(outAt >= 0 ? args[outAt + 1] : "bench/target");
    Path work = Files.createTempDirectory("kestrel-bench-");
    long began = System.nanoTime();
    Report report = new Report();
    report.note("machine", Runtime.getRuntime().availableProcessors() + " cores, "
        + (Runtime.getRuntime().maxMemory() >> 20) + " MB max heap for the bench JVM, " + System.getProperty("java.vm.name")
        + " " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));

    TestPages pages = new TestPages();
    pages.start();
    Scenario scenario = new Scenario(pages.url("/order?delayMs=0"));
    try (Playwright playwright = Scenario.playwright(); Browser browser = Scenario.launch(playwright)) {
      System.out.println("Rows 1 and 4 on the in-memory engine (an API without a worker)");
      try (KestrelServer api = new KestrelServer(work.resolve("api-memory"), Engine.inMemory(), 0).start()) {
        String task = api.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
        SubmissionBench.run(report, api.engineName(), api, task, quick ? 60 : 300);
        ReadPathBench.run(report, api, task, quick ? 2_000 : 10_000, Duration.ofSeconds(quick ? 3 : 10));
      }

      System.out.println("Rows 2 and 5 on the in-memory engine (one slot)");
      try (KestrelServer server = new KestrelServer(work.resolve("e2e-memory"), Engine.inMemory(), 1).start()) {
        String task = server.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
        EndToEndBench.run(report, server.engineName(), server, task, scenario, browser, quick ? 3 : 12);
        LogLatencyBench.run(report, server, pages.url(""));
      }

      // Rows 1 and 2 on the default (LOCAL: the dev server on a SQLite file, WAL), on the same with
      // SQLite's own defaults, and on a dev server whose SQLite is in memory: what SQLite costs.
      rowsOneAndTwo(report, work, scenario, browser, quick,
          () -> Engine.local(DEFAULT_ENGINE, List.of("journal_mode=wal", "synchronous=normal")));
      rowsOneAndTwo(report, work, scenario, browser, quick, () -> Engine.local(SQLITE_DEFAULTS, List.of()));
      try (TemporalDevServer memory = new TemporalDevServer(Files.createDirectories(work.resolve("temporal-memory")), false).start()) {
        rowsOneAndTwo(report, work, scenario, browser, quick, () -> Engine.external(SQLITE_IN_MEMORY, memory.target()));
      }
      for (String engine : List.of(DEFAULT_ENGINE, SQLITE_DEFAULTS)) {
        Row e2e = report.find("2 end-to-end 5 steps", engine, "latency p50");
        Row e2eMemory = report.find("2 end-to-end 5 steps", SQLITE_IN_MEMORY, "latency p50");
        report.add(new Row("6 SQLite cost: end-to-end", engine, "latency p50", "ms", e2e.ours(), e2eMemory.ours(),
            SQLITE_IN_MEMORY, true, Double.NaN, Double.NaN));
        Row start = report.find("1 submission c=8", engine, "throughput");
        Row startMemory = report.find("1 submission c=8", SQLITE_IN_MEMORY, "throughput");
        report.add(new Row("6 SQLite cost: raw start c=8", engine, "throughput", "req/s", start.baseline(),
            startMemory.baseline(), SQLITE_IN_MEMORY, false, Double.NaN, Double.NaN));
      }
    }

    // 100 runs where the target is (4 slots); 20 with 1 and 2 slots keep the whole bench under
    // 10 minutes on 2 cores (a run costs about 2.6 s of CPU, so 100 runs take minutes at any slot count).
    for (int slots : new int[] {1, 2, 4}) {
      System.out.println("Row 3 with " + slots + " slot(s)");
      ThroughputBench.run(report, work, scenario, slots, quick ? 8 : slots == 4 ? 100 : 20, quick ? slots : 3 * slots);
    }
    pages.stop();

    report.note("bench wall time (s)", Math.round((System.nanoTime() - began) / 1e9));
    report.write(out);
    System.out.println();
    System.out.println(report.markdown());
    System.out.println("Written to " + out.toAbsolutePath().resolve("bench-results.json") + " and bench-results.md");
  }
}
