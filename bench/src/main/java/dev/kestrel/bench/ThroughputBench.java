package dev.kestrel.bench;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Playwright;
import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.RunStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Row 3: 100 runs with 1, 2 and 4 browser slots, against the same runs each launching a browser of
 * its own at the same concurrency; and the memory (PSS) a concurrent run adds.
 */
final class ThroughputBench {
  private ThroughputBench() {}

  static void run(
      Report report, Path work, Scenario scenario, int slots, int runs, int baselineRuns)
      throws Exception {
    double oursPerSecond;
    double pssPerRun;
    try (KestrelServer server =
        new KestrelServer(
                work.resolve("throughput-" + slots), KestrelServer.Engine.inMemory(), slots)
            .start()) {
      KestrelClient api = server.api();
      String taskId = api.createTask(scenario.taskJson("Throughput " + slots)).id();
      List<String> warm = new ArrayList<>();
      for (int i = 0; i < slots; i++) {
        warm.add(api.queueRun(taskId).run().id());
      }
      for (String id : warm) {
        EndToEndBench.awaitCompleted(api, id);
      }
      Thread.sleep(1_000);
      double idle = server.pssMb();
      double idleBrowsers = server.browserPssMb();
      AtomicReference<Double> peak = new AtomicReference<>(idle);
      AtomicReference<Double> peakBrowsers = new AtomicReference<>(idleBrowsers);
      double idleRenderers = server.rendererPssMb();
      // The renderers' share of the browsers' peak: what the per-run memory is made of.
      AtomicReference<Double> renderersAtPeak = new AtomicReference<>(idleRenderers);
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(
          () -> {
            peak.accumulateAndGet(server.pssMb(), Math::max);
            double browsers = server.browserPssMb();
            double renderers = server.rendererPssMb();
            if (browsers > peakBrowsers.get()) {
              peakBrowsers.set(browsers);
              renderersAtPeak.set(renderers);
            }
          },
          0,
          300,
          TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        ids.add(api.queueRun(taskId).run().id());
      }
      int failed = 0;
      for (String id : ids) {
        // The task's timeout (900 s) bounds how long the last run of the backlog can take.
        failed +=
            Polling.awaitEnd(api, id, 50, Duration.ofSeconds(960)) == RunStatus.COMPLETED ? 0 : 1;
      }
      oursPerSecond = runs / ((System.nanoTime() - start) / 1e9);
      sampler.shutdownNow();
      // Per run: what the browsers gain while every slot runs (a context, a page, a renderer).
      // The JVM's heap growing under load is not per run; the whole tree is noted beside it.
      pssPerRun = (peakBrowsers.get() - idleBrowsers) / slots;
      report.note(
          "3 PSS with " + slots + " slots (MB)",
          "whole server idle "
              + Report.fmt(idle)
              + ", peak "
              + Report.fmt(peak.get())
              + "; its Chromiums idle "
              + Report.fmt(idleBrowsers)
              + " (warm, one per slot), peak "
              + Report.fmt(peakBrowsers.get())
              + "; of which renderer processes idle "
              + Report.fmt(idleRenderers)
              + ", at the peak "
              + Report.fmt(renderersAtPeak.get())
              + "; failed runs "
              + failed);
    }

    // The baseline: every run launches its own Chromium. Each client thread starts its Playwright
    // driver before the clock starts, so only launching and the steps are counted.
    double baselineIdle = chromiumPssMb(); // the shared browser of rows 2 and 5 is closed by now
    AtomicReference<Double> baselinePeak = new AtomicReference<>(baselineIdle);
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(
        () -> baselinePeak.accumulateAndGet(chromiumPssMb(), Math::max),
        0,
        300,
        TimeUnit.MILLISECONDS);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    CyclicBarrier ready = new CyclicBarrier(slots + 1);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < slots; c++) {
      Thread client =
          new Thread(
              () -> {
                try (Playwright playwright = Scenario.playwright()) {
                  ready.await();
                  while (next.getAndIncrement() < baselineRuns) {
                    try (Browser browser = Scenario.launch(playwright)) {
                      scenario.runSteps(browser.newPage());
                    } catch (RuntimeException e) {
                      errors.incrementAndGet();
                    }
                  }
                } catch (Exception e) {
                  errors.incrementAndGet();
                }
              });
      client.start();
      clients.add(client);
    }
    ready.await();
    long baselineStart = System.nanoTime();
    for (Thread client : clients) {
      client.join();
    }
    double baselinePerSecond = baselineRuns / ((System.nanoTime() - baselineStart) / 1e9);
    sampler.shutdownNow();
    if (errors.get() > 0) {
      throw new IllegalStateException("browser per run: " + errors.get() + " runs failed");
    }
    report.add(
        new Row(
            "3 throughput " + slots + " slot(s)",
            "in-memory",
            "runs/s",
            "runs/s",
            oursPerSecond,
            baselinePerSecond,
            "browser per run, c=" + slots,
            false,
            slots == 4 ? 1.5 : Double.NaN,
            Double.NaN));
    if (slots == 4) {
      report.add(
          new Row(
              "3 memory per concurrent run",
              "in-memory",
              "PSS",
              "MB",
              pssPerRun,
              (baselinePeak.get() - baselineIdle) / slots,
              "browser per run",
              true,
              Double.NaN,
              70));
    }
  }

  /** PSS of the Chromium processes this JVM started (the baseline's browsers), in MB. */
  static double chromiumPssMb() {
    return Memory.pssMb(ProcessHandle.current().descendants().filter(Memory::isChromium).toList());
  }
}
