package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Playwright;
import dev.kestrel.testkit.TemporalDevServer;
import dev.kestrel.testkit.TestPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The benchmark: every row is the product (run as users run it, in JVMs of its own) against a
 * baseline measured in the same run on the same machine. Prints a table and writes it as JSON and
 * Markdown to {@code bench/target/} (or the folder given with {@code --out}).
 *
 * <p>{@code --quick} uses small samples, to check the benchmark itself works.
 */
public final class Bench {
  private Bench() {}

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
      String embeddedTask;
      System.out.println("Rows 1 and 4 on the embedded engine (an API without a worker)");
      try (KestrelServer api = new KestrelServer(work.resolve("api-embedded"), null, 0).start()) {
        embeddedTask = api.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
        SubmissionBench.run(report, "embedded", api, embeddedTask, quick ? 60 : 300);
        ReadPathBench.run(report, api, embeddedTask, quick ? 2_000 : 10_000, Duration.ofSeconds(quick ? 3 : 10));
      }

      System.out.println("Rows 2 and 5 on the embedded engine (one slot)");
      try (KestrelServer server = new KestrelServer(work.resolve("e2e-embedded"), null, 1).start()) {
        String task = server.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
        EndToEndBench.run(report, "embedded", server, task, scenario, browser, quick ? 3 : 12);
        LogLatencyBench.run(report, server, pages.url(""));
      }

      System.out.println("Rows 1 and 2 on the Temporal dev server");
      try (TemporalDevServer temporal = new TemporalDevServer(Files.createDirectories(work.resolve("temporal"))).start()) {
        // End-to-end first: the submission row leaves its runs queued on this server, unexecuted.
        try (KestrelServer server = new KestrelServer(work.resolve("e2e-dev"), temporal.target(), 1).start()) {
          String task = server.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
          EndToEndBench.run(report, "dev server", server, task, scenario, browser, quick ? 3 : 12);
        }
        try (KestrelServer api = new KestrelServer(work.resolve("api-dev"), temporal.target(), 0).start()) {
          String task = api.api().post("/public/v1/tasks", scenario.taskJson("Bench")).at("/task/id").asText();
          SubmissionBench.run(report, "dev server", api, task, quick ? 60 : 150);
        }
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
