package dev.kestrel.bench.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kestrel.bench.soak.SoakSampler.Sample;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.api.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The soak (issue 28): the product as users run it, under a steady mix of runs that keeps every
 * browser slot busy, with faults at fixed times, sampled at a fixed interval; at the end it drains,
 * checks its invariants ({@link SoakVerdict}) and writes {@code soak-<mode>-<minutes>min.json} (the
 * plot is drawn from it by {@code scripts/soak_plot.py}). Exits 1 when an invariant fails.
 *
 * <p>{@code --minutes N} (default 60), {@code --external} (API + 2 workers + Temporal dev server +
 * PostgreSQL instead of the durable default), {@code --slots N} browser slots per worker (2),
 * {@code --out DIR} (bench/results), {@code --seed N}.
 */
public final class SoakBench {
  private SoakBench() {}

  /** One fault: when (as a fraction of the soak), and what it does. */
  private record Fault(double at, String name) {}

  static final List<Fault> FAULTS =
      List.of(
          new Fault(0.10, "kill -9 of the worker side"),
          new Fault(0.20, "SIGTERM hand-over"),
          new Fault(0.30, "engine restart"));

  public static void main(String[] args) throws Exception {
    List<String> options = List.of(args);
    double minutes = Double.parseDouble(option(options, "--minutes", "60"));
    boolean external = options.contains("--external");
    int slots = Integer.parseInt(option(options, "--slots", "2"));
    long seed = Long.parseLong(option(options, "--seed", "28"));
    Path out = Path.of(option(options, "--out", "bench/results"));
    String mode = external ? "external" : "default";
    String name =
        "soak-%s-%smin"
            .formatted(
                mode,
                // Not a ternary of int and double: that would promote the int back to "60.0".
                minutes == (int) minutes ? String.valueOf((int) minutes) : String.valueOf(minutes));
    Path work = Files.createTempDirectory("kestrel-soak-");
    Files.createDirectories(out);
    // A sample a minute, and at least 16 over a short soak.
    Duration every = Duration.ofMillis((long) Math.min(60_000, minutes * 60_000 / 16));
    System.out.printf(
        "Soak: %s mode, %s minutes, %d slot(s) per worker, a sample every %d s; work folder %s%n",
        mode, minutes, slots, every.toSeconds(), work);

    Map<String, Object> result = new LinkedHashMap<>();
    List<Sample> samples = new CopyOnWriteArrayList<>();
    List<SoakSampler.Trace> traces = new ArrayList<>();
    // The light looks at memory between the samples: six a sample at least, and every 10 s.
    Duration traceEvery = Duration.ofMillis(Math.min(10_000, every.toMillis() / 6));
    List<Map<String, Object>> faults = new ArrayList<>();
    SoakVerdict verdict;
    long start = System.nanoTime();
    try (SoakPages pages = new SoakPages();
        SoakFleet fleet =
            external ? SoakFleet.external(work, slots) : SoakFleet.durableDefault(work, slots)) {
      KestrelClient client =
          KestrelClient.builder(fleet.apiUrl(), SoakFleet.KEY)
              .requestTimeout(Duration.ofSeconds(90))
              .build();
      SoakLoad load = new SoakLoad(client, fleet.apiUrl(), pages);
      load.setUp();
      SoakProcesses processes = new SoakProcesses(fleet.id);
      try (SoakSampler sampler = new SoakSampler(fleet, client, processes)) {
        int driverCount = fleet.slots() * 2 + 1;
        load.start(driverCount, seed);
        start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        long nextSample = start;
        long nextTrace = start;
        long lastSampleMillis = System.currentTimeMillis();
        int nextFault = 0;
        List<String> events = new ArrayList<>();
        while (System.nanoTime() < end) {
          long now = System.nanoTime();
          if (nextFault < FAULTS.size()
              && now >= start + (long) (FAULTS.get(nextFault).at() * minutes * 60e9)) {
            Fault fault = FAULTS.get(nextFault++);
            double at = (now - start) / 60e9;
            load.faultStrikes();
            String what =
                switch (fault.name()) {
                  case "kill -9 of the worker side" -> fleet.killWorkerSide();
                  case "SIGTERM hand-over" -> fleet.handOver();
                  default -> fleet.restartEngine();
                };
            System.out.printf("  %5.1f min  fault: %s%n", at, what);
            faults.add(Map.of("minute", at, "fault", fault.name(), "what", what));
            events.add(fault.name());
          }
          if (now >= nextSample) {
            double minute = (now - start) / 60e9;
            long since = lastSampleMillis;
            lastSampleMillis = System.currentTimeMillis();
            Sample s = sampler.sample(minute, p95(load, since), List.copyOf(events));
            events.clear();
            samples.add(s);
            print(s);
            nextSample += every.toNanos();
          }
          if (now >= nextTrace) {
            traces.add(sampler.trace((now - start) / 60e9));
            // After a long sample, the next look is a full interval on, not a burst of them.
            nextTrace = Math.max(nextTrace + traceEvery.toNanos(), System.nanoTime());
          }
          Thread.sleep(200);
        }
        System.out.println("Draining: the drivers finish the runs they follow");
        boolean drained = load.stopAndDrain(Duration.ofMinutes(15));
        client.pauseSchedule(load.scheduledTask(), "the soak is over");
        verdict = new SoakVerdict(minutes, fleet.slots(), drained);
        awaitTerminal(sampler, Duration.ofMinutes(10));
        awaitNoBacklog(sampler, Duration.ofMinutes(5));
        Sample last = sampler.sample((System.nanoTime() - start) / 60e9, null, List.of("drained"));
        samples.add(last);
        print(last);
        List<Run> runs = sampler.allRuns();
        verdict.checkRuns(load, runs);
        verdict.checkCountsAgree(sampler, Duration.ofSeconds(90));
        verdict.checkWebhooks(sampler, pages, runs);
        verdict.checkSchedule(runs, load.scheduledTask());
        verdict.checkProblems(load);
        verdict.checkOutcomes(load);
        verdict.checkSamples(samples, traces, faults);
        result.put("accepted", load.accepted.size());
        result.put("runsByScenario", byScenario(load));
        result.put("traffic", load.countsSnapshot());
        result.put("pageRequests", pages.requests());
        result.put("webhookAttempts", pages.webhookAttempts());
        result.put("webhookRefusals", pages.webhookRefusals());
        result.put("problems", load.problems.stream().limit(50).toList());
      }
      int before = processes.scan().size();
      fleet.close();
      verdict.checkNothingLeftBehind(processes, before, Duration.ofSeconds(60));
    }
    result.put("mode", mode);
    result.put("minutes", minutes);
    result.put("slots", slots);
    result.put("sampleSeconds", every.toSeconds());
    result.put("startedAt", Instant.now().minusNanos(System.nanoTime() - start).toString());
    result.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors()));
    result.put("faults", faults);
    result.put("invariants", verdict.invariants());
    result.put("figures", verdict.figures());
    result.put("traceSeconds", traceEvery.toMillis() / 1000.0);
    result.put("samples", samples);
    result.put("traces", traces);
    Path json = out.resolve(name + ".json");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
    System.out.println();
    verdict
        .invariants()
        .forEach(
            i ->
                System.out.printf(
                    "  %-5s %s: %s%n", i.holds() ? "ok" : "FAIL", i.name(), i.detail()));
    System.out.println("Written: " + json);
    System.exit(verdict.holds() ? 0 : 1);
  }

  private static Map<String, Long> byScenario(SoakLoad load) {
    Map<String, Long> counts = new LinkedHashMap<>();
    load.accepted.values().stream()
        .collect(
            Collectors.groupingBy(a -> a.scenario().name().toLowerCase(), Collectors.counting()))
        .entrySet()
        .stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> counts.put(e.getKey(), e.getValue()));
    return counts;
  }

  /** The 95th percentile of the waits of runs that started since {@code sinceMillis}. */
  private static Long p95(SoakLoad load, long sinceMillis) {
    List<Long> waits = new ArrayList<>();
    load.queueWaits.forEach(
        w -> {
          if (w.startedAtMillis() >= sinceMillis) {
            waits.add(w.millis());
          }
        });
    load.queueWaits.removeIf(w -> w.startedAtMillis() < sinceMillis - 600_000);
    if (waits.isEmpty()) {
      return null;
    }
    Collections.sort(waits);
    return waits.get((int) Math.ceil(0.95 * waits.size()) - 1);
  }

  private static void awaitTerminal(SoakSampler sampler, Duration atMost)
      throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Long> api = sampler.apiRuns();
      if (api != null && !api.containsKey("PENDING") && !api.containsKey("RUNNING")) {
        return;
      }
      Thread.sleep(2000);
    }
  }

  private static void awaitNoBacklog(SoakSampler sampler, Duration atMost)
      throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      Sample s = sampler.sample(0, null, List.of());
      if (s.webhookBacklog() != null && s.webhookBacklog() == 0) {
        return;
      }
      Thread.sleep(2000);
    }
  }

  private static void print(Sample s) {
    System.out.printf(
        "  %5.1f min  jvm %4.0f MB (heap %4.0f, retained %4.0f) threads %3d files %4d | browsers %2d (%3d chromium"
            + " processes, %d slots) %5.0f MB | api %s store %s temporal %s | wait p95 %s ms | webhook"
            + " backlog %s%s%n",
        s.minute(),
        s.jvmRssMb(),
        s.heapUsedMb(),
        s.retainedMb(),
        s.threads(),
        s.openFiles(),
        s.browsers(),
        s.chromiumProcesses(),
        s.slots(),
        s.browserPssMb(),
        s.apiRuns(),
        s.storeRuns(),
        s.temporalRuns(),
        s.queueWaitP95Ms(),
        s.webhookBacklog(),
        s.events().isEmpty() ? "" : " | " + s.events());
  }

  private static String option(List<String> options, String name, String otherwise) {
    int at = options.indexOf(name);
    return at >= 0 && at + 1 < options.size() ? options.get(at + 1) : otherwise;
  }
}
