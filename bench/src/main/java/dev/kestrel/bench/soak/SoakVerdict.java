package dev.kestrel.bench.soak;

import dev.kestrel.bench.soak.SoakSampler.Sample;
import dev.kestrel.model.TriggerType;
import dev.kestrel.model.api.Run;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The soak's invariants, each a name, whether it holds and the numbers behind it, and the figures
 * BENCHMARKS.md reports (each against a baseline from the same soak).
 *
 * <p>Memory is judged on the samples of the last stretch in which no Kestrel JVM was started
 * (restarts are faults, and a new JVM warms up again), after a warm-up of its own: 15 minutes, or a
 * quarter of the stretch when it is shorter than 40. A slope needs time to be told from noise: when
 * that window is at least 20 minutes the Theil–Sen slope of the JVMs' RSS and of the browsers'
 * memory must be at most 2 % of its level per hour; a shorter soak checks that memory stays under
 * its bound instead ({@link #JVM_BOUND_MB} a JVM, {@link #BROWSER_BOUND_MB} a slot). The slope is
 * the Theil–Sen slope through each 5-minute stretch's least value (its floor), and the RSS and the
 * browsers are looked at every few seconds, so that each floor rests on thirty looks.
 */
final class SoakVerdict {
  record Invariant(String name, boolean holds, String detail) {}

  static final double SLOPE_PER_HOUR = 0.02;
  static final double MIN_SLOPE_WINDOW_MINUTES = 20;

  /** The stretch whose least sample is a floor: five samples of a long soak. */
  static final double FLOOR_MINUTES = 5;

  /** What one Kestrel JVM may hold at most: its 1 GB heap, metaspace, code, threads, buffers. */
  static final int JVM_BOUND_MB = 1792;

  /** What one slot's browser may hold at most: a renderer at the 1 GB heap limit, and the rest. */
  static final int BROWSER_BOUND_MB = 2048;

  private final double minutes;
  private final int slots;
  private final List<Invariant> invariants = new ArrayList<>();
  private final Map<String, Object> figures = new LinkedHashMap<>();

  SoakVerdict(double minutes, int slots, boolean drained) {
    this.minutes = minutes;
    this.slots = slots;
    add(
        "drivers drained",
        drained,
        drained
            ? "every driver's last run ended"
            : "a driver was still following a run after 15 minutes");
  }

  List<Invariant> invariants() {
    return invariants;
  }

  Map<String, Object> figures() {
    return figures;
  }

  boolean holds() {
    return invariants.stream().allMatch(Invariant::holds);
  }

  private void add(String name, boolean holds, String detail) {
    invariants.add(new Invariant(name, holds, detail));
  }

  /** Every run the API accepted is listed, and every listed run is terminal. */
  void checkRuns(SoakLoad load, List<Run> runs) {
    Set<String> listed = runs.stream().map(Run::id).collect(Collectors.toSet());
    List<String> lost =
        load.accepted.keySet().stream().filter(id -> !listed.contains(id)).limit(10).toList();
    List<String> open =
        runs.stream()
            .filter(r -> !r.status().isTerminal())
            .map(r -> r.id() + " " + r.status())
            .limit(10)
            .toList();
    add(
        "every accepted run is kept",
        lost.isEmpty(),
        load.accepted.size()
            + " accepted by the API, "
            + runs.size()
            + " listed"
            + (lost.isEmpty() ? "" : "; missing " + lost));
    add(
        "every run is terminal",
        open.isEmpty(),
        open.isEmpty() ? "none PENDING or RUNNING" : "still open: " + open);
    figures.put("runs", SoakSampler.countByStatus(runs));
  }

  /** The API's, the store's and Temporal's counts by status are the same (visibility may lag). */
  void checkCountsAgree(SoakSampler sampler, Duration atMost) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    Map<String, Long> api;
    Map<String, Long> store;
    Map<String, Long> temporal;
    do {
      api = sampler.apiRuns();
      Sample s = sampler.sample(0, null, List.of());
      store = s.storeRuns();
      temporal = sampler.temporalRuns();
      if (api != null && api.equals(store) && api.equals(temporal)) {
        break;
      }
      Thread.sleep(3000);
    } while (System.nanoTime() < deadline);
    boolean agree = api != null && api.equals(store) && api.equals(temporal);
    add(
        "API, store and Temporal agree",
        agree,
        "API " + api + ", store " + store + ", Temporal " + temporal);
  }

  /**
   * Every terminal event the store recorded reached the receiver (which refuses every third
   * attempt), unless its delivery was given up on after its seven attempts, in the open.
   */
  void checkWebhooks(SoakSampler sampler, SoakPages pages, List<Run> runs) throws Exception {
    Map<String, String> recorded = sampler.terminalEventsRecorded();
    long givenUp = sampler.webhooksGivenUp();
    List<String> missing =
        recorded.entrySet().stream()
            .filter(e -> !pages.runsWith(e.getValue()).contains(e.getKey()))
            .map(e -> e.getKey() + " " + e.getValue())
            .toList();
    long terminal = runs.stream().filter(r -> r.status().isTerminal()).count();
    boolean everyRunHasOne = recorded.size() == terminal;
    add(
        "no webhook lost",
        everyRunHasOne && missing.size() <= givenUp,
        terminal
            + " terminal runs, "
            + recorded.size()
            + " terminal events recorded, "
            + (recorded.size() - missing.size())
            + " received; "
            + givenUp
            + " deliveries given up after 7 attempts"
            + (missing.size() > givenUp
                ? "; not received: " + missing.subList(0, Math.min(10, missing.size()))
                : ""));
    figures.put("webhookAttempts", pages.webhookAttempts());
    figures.put("webhookRefusals", pages.webhookRefusals());
    figures.put("webhooksGivenUp", givenUp);
  }

  /** The schedule kept firing across the faults: at least one run for every two minutes. */
  void checkSchedule(List<Run> runs, String scheduledTask) {
    long scheduled =
        runs.stream()
            .filter(
                r -> r.triggerType() == TriggerType.SCHEDULE && scheduledTask.equals(r.taskId()))
            .count();
    add(
        "the schedule fired",
        scheduled >= Math.floor(minutes / 2),
        scheduled + " scheduled runs in " + minutes + " minutes (a firing a minute)");
    figures.put("scheduledRuns", scheduled);
  }

  /**
   * Every run ended as its scenario says (a fault in between changes nothing: the run resumes), and
   * no driver met an error it could not get past.
   */
  void checkOutcomes(SoakLoad load) {
    long n =
        load.counts
            .getOrDefault(
                "runs that did not end as their scenario says",
                new java.util.concurrent.atomic.AtomicLong())
            .get();
    add(
        "every run ended as its scenario says",
        n == 0,
        (n == 0
                ? "all " + load.accepted.size()
                : n + " did not: " + load.unexpected.stream().limit(10).toList())
            + (load.endedByFaults.isEmpty()
                ? ""
                : "; as the faults decided: " + load.endedByFaults.stream().limit(10).toList()));
    long errors =
        load.counts
            .getOrDefault("driver errors", new java.util.concurrent.atomic.AtomicLong())
            .get();
    add(
        "no driver error",
        errors == 0,
        errors == 0 ? "none" : errors + ": " + load.problems.stream().limit(10).toList());
    figures.put("endedByFaults", List.copyOf(load.endedByFaults));
    Map<String, Long> outcomes = new java.util.TreeMap<>();
    load.outcomes.forEach((k, v) -> outcomes.put(k, v.get()));
    figures.put("outcomes", outcomes);
  }

  /** No request was answered 500. */
  void checkProblems(SoakLoad load) {
    List<String> fiveHundreds =
        load.problems.stream().filter(p -> p.contains(": 500 ")).limit(10).toList();
    add(
        "no 500 answer",
        fiveHundreds.isEmpty(),
        fiveHundreds.isEmpty() ? "none" : fiveHundreds.toString());
  }

  /**
   * Per sample: never more browsers than slots. Over the judged window: memory flat, threads and
   * open files bounded. The JVMs' RSS and the browsers' lasting memory are judged on the light
   * looks ({@code traces}) taken every few seconds, the live heap on the samples (it needs a full
   * collection first).
   */
  void checkSamples(
      List<Sample> samples, List<SoakSampler.Trace> traces, List<Map<String, Object>> faults) {
    List<Sample> live =
        samples.stream()
            .filter(s -> s.minute() > 0 && s.events().stream().noneMatch("drained"::equals))
            .toList();
    List<String> over =
        live.stream()
            .filter(s -> s.browsers() > s.slots())
            .map(s -> "%.1f min: %d browsers".formatted(s.minute(), s.browsers()))
            .toList();
    int maxChromium = live.stream().mapToInt(Sample::chromiumProcesses).max().orElse(0);
    add(
        "browsers within slots",
        over.isEmpty(),
        "at most "
            + live.stream().mapToInt(Sample::browsers).max().orElse(0)
            + " browsers for "
            + slots
            + " slots, "
            + maxChromium
            + " Chromium processes"
            + (over.isEmpty() ? "" : "; over: " + over));
    figures.put("maxChromiumProcessesPerSlot", (double) maxChromium / slots);

    // The last stretch without a JVM start: after the last fault that started one.
    double lastStart =
        faults.stream()
            .filter(f -> !"engine restart".equals(f.get("fault")))
            .mapToDouble(f -> (double) f.get("minute"))
            .max()
            .orElse(0);
    double stretch = minutes - lastStart;
    double from = lastStart + (stretch >= 40 ? 15 : stretch / 4);
    List<Sample> window = live.stream().filter(s -> s.minute() >= from).toList();
    List<SoakSampler.Trace> looks =
        traces.stream().filter(t -> t.minute() >= from && t.minute() <= minutes).toList();
    double windowMinutes =
        looks.isEmpty() ? 0 : looks.get(looks.size() - 1).minute() - looks.get(0).minute();
    figures.put("judgedFromMinute", from);
    figures.put("judgedMinutes", windowMinutes);
    if (window.size() < 3 || looks.size() < 3) {
      add(
          "memory flat",
          false,
          "too few looks after the warm-up: %d samples, %d traces"
              .formatted(window.size(), looks.size()));
      return;
    }
    int jvms = window.stream().mapToInt(Sample::kestrelJvms).max().orElse(1);
    List<Point> rss = series(looks, SoakSampler.Trace::minute, SoakSampler.Trace::jvmRssMb);
    memory(
        "Kestrel JVMs' RSS",
        rss,
        level(rss),
        windowMinutes,
        jvms * JVM_BOUND_MB,
        "%d MB a JVM (its 1 GB heap and the rest)".formatted(JVM_BOUND_MB));
    // Reported, not judged apart: the JIT's compiled code grows for hours as more methods get hot,
    // up to its reserve; it is part of the RSS above, and this says how much of its slope it is.
    figures.put(
        "Kestrel JVMs' JIT code cache (committed), in their RSS",
        levelAndSlope(series(looks, SoakSampler.Trace::minute, SoakSampler.Trace::codeCacheMb)));
    // The heap is touched at start, so its objects never move the RSS: they are judged apart,
    // as a share of the JVMs' memory (a few MB of noise would be a large share of 40 MB).
    memory(
        "Kestrel JVMs' live heap (after a full collection), of their RSS",
        series(window, Sample::minute, Sample::heapUsedMb),
        level(series(window, Sample::minute, Sample::jvmRssMb)),
        windowMinutes,
        jvms * JVM_BOUND_MB,
        "%d MB a JVM".formatted(JVM_BOUND_MB));
    // Reported: the old generation after the collection, the non-heap pools and direct buffers.
    figures.put(
        "Kestrel JVMs' retained memory (live heap, non-heap, direct buffers)",
        levelAndSlope(series(window, Sample::minute, Sample::retainedMb)));
    List<Point> browsers =
        series(looks, SoakSampler.Trace::minute, SoakSampler.Trace::browserBasePssMb);
    memory(
        "browsers' lasting memory (PSS without renderers)",
        browsers,
        level(browsers),
        windowMinutes,
        slots * BROWSER_BOUND_MB,
        "%d MB a slot".formatted(BROWSER_BOUND_MB));
    // Where the JVMs' memory goes, by Native Memory Tracking's kinds: reported, to tell what moves.
    Map<String, Object> byKind = new java.util.TreeMap<>();
    window.stream()
        .flatMap(s -> s.nativeMemoryMb().keySet().stream())
        .distinct()
        .forEach(
            kind ->
                byKind.put(
                    kind,
                    levelAndSlope(
                        series(
                            window,
                            Sample::minute,
                            s -> s.nativeMemoryMb().getOrDefault(kind, 0.0)))));
    figures.put("Kestrel JVMs' committed memory by kind (NMT)", byKind);
    // What the pages' renderers hold depends on the page loaded at the instant: bounded, not flat.
    List<String> pagesOver =
        over(series(window, Sample::minute, Sample::browserPssMb), slots * BROWSER_BOUND_MB);
    add(
        "browsers' memory with the pages bounded",
        pagesOver.isEmpty(),
        "at most %.0f MB, under %d MB a slot%s"
            .formatted(
                window.stream().mapToDouble(Sample::browserPssMb).max().orElse(0),
                BROWSER_BOUND_MB,
                pagesOver.isEmpty() ? "" : "; over: " + pagesOver));
    bounded("threads", window, Sample::threads);
    bounded("open files", window, Sample::openFiles);
  }

  /**
   * Judges a series flat: the slope of its floors at most {@link #SLOPE_PER_HOUR} of {@code level}
   * (its own median, or the whole process's for a part of it); or, over a window too short to tell
   * a slope, under {@code bound}.
   */
  private void memory(
      String what,
      List<Point> series,
      double level,
      double windowMinutes,
      double bound,
      String boundSays) {
    double slopePerHour = floorSlopePerHour(series);
    double everyLookSlope = theilSen(series) * 60;
    double relative = level == 0 ? 0 : slopePerHour / level;
    double first = thirdMean(series, 0);
    double last = thirdMean(series, 2);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("levelMb", level);
    f.put("floorSlopeMbPerHour", slopePerHour);
    f.put("floors", floors(series));
    f.put("everyLookSlopeMbPerHour", everyLookSlope);
    f.put("looks", series.size());
    f.put("slopePerHourOfLevel", relative);
    f.put("firstThirdMb", first);
    f.put("lastThirdMb", last);
    f.put("lastThirdOverFirst", first == 0 ? 0 : last / first);
    figures.put(what, f);
    if (windowMinutes >= MIN_SLOPE_WINDOW_MINUTES) {
      add(
          what + " flat",
          relative <= SLOPE_PER_HOUR,
          "level %.0f MB, slope of its %d-minute floors %+.1f MB/h = %+.2f %% of the level per hour over %.0f minutes (at most %.0f %%)"
              .formatted(
                  level,
                  (int) FLOOR_MINUTES,
                  slopePerHour,
                  relative * 100,
                  windowMinutes,
                  SLOPE_PER_HOUR * 100));
    } else {
      // Too short to tell a slope from warm-up: the level must stay under its bound instead.
      List<String> over = over(series, bound);
      add(
          what + " bounded",
          over.isEmpty(),
          "at most %.0f MB over %.1f minutes, under %s; a slope needs %.0f minutes (here %+.1f MB/h)"
                  .formatted(
                      series.stream().mapToDouble(Point::mb).max().orElse(0),
                      windowMinutes,
                      boundSays,
                      MIN_SLOPE_WINDOW_MINUTES,
                      // A short window has one or two floors: the slope through every look.
                      everyLookSlope)
              + (over.isEmpty() ? "" : "; over: " + over));
    }
  }

  /** A measure over time: one value at each look. */
  static <T> List<Point> series(
      List<T> looks, ToDoubleFunction<T> minute, ToDoubleFunction<T> value) {
    return looks.stream()
        .map(t -> new Point(minute.applyAsDouble(t), value.applyAsDouble(t)))
        .toList();
  }

  /** A reported (not judged) measure: its median and the slope of its floors. */
  private static Map<String, Object> levelAndSlope(List<Point> series) {
    return Map.of("levelMb", level(series), "floorSlopeMbPerHour", floorSlopePerHour(series));
  }

  /** The looks whose value is above the bound, as "minute: MB". */
  private static List<String> over(List<Point> series, double bound) {
    return series.stream()
        .filter(p -> p.mb() > bound)
        .map(p -> "%.1f min: %.0f MB".formatted(p.minute(), p.mb()))
        .toList();
  }

  /** The window's second half peaks at most 20 % (and 10) above its first half. */
  private void bounded(String what, List<Sample> window, ToDoubleFunction<Sample> value) {
    int half = window.size() / 2;
    double first = window.subList(0, half).stream().mapToDouble(value).max().orElse(0);
    double second = window.subList(half, window.size()).stream().mapToDouble(value).max().orElse(0);
    add(
        what + " bounded",
        second <= first * 1.2 + 10,
        "peak %.0f in the window's second half against %.0f in its first".formatted(second, first));
    figures.put(what, Map.of("firstHalfPeak", first, "secondHalfPeak", second));
  }

  /** After the fleet stopped: none of the soak's processes is alive. */
  void checkNothingLeftBehind(SoakProcesses processes, int runningBefore, Duration atMost)
      throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    List<SoakProcesses.Proc> left;
    do {
      left = processes.scan();
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(1000);
    } while (System.nanoTime() < deadline);
    add(
        "no process left over",
        left.isEmpty(),
        runningBefore
            + " processes before the stop, "
            + left.size()
            + " after"
            + (left.isEmpty()
                ? ""
                : ": "
                    + left.stream()
                        .map(p -> p.pid() + " " + p.kind() + " " + p.command())
                        .limit(10)
                        .toList()));
  }

  private static double thirdMean(List<Point> series, int third) {
    int n = series.size();
    int from = third * n / 3;
    int to = Math.max(from + 1, (third + 1) * n / 3);
    return series.subList(from, Math.min(to, n)).stream()
        .mapToDouble(Point::mb)
        .average()
        .orElse(0);
  }

  /** The median of the series. */
  private static double level(List<Point> series) {
    return median(series.stream().mapToDouble(Point::mb).sorted().toArray());
  }

  /**
   * The Theil–Sen slope through the window's floors, per hour. Judged on the floor: each sample
   * holds what is in flight at its instant (a heavy page, a run's outputs), noise ten times the
   * slope it must tell; each stretch's least is the state with the least in flight, which a leak
   * raises and the load does not.
   */
  private static double floorSlopePerHour(List<Point> series) {
    return theilSen(floors(series)) * 60;
  }

  /** A value at the minute it was looked at. */
  record Point(double minute, double mb) {}

  /** Each {@link #FLOOR_MINUTES} of the series, from its start: its least value. */
  static List<Point> floors(List<Point> series) {
    Map<Integer, Point> least = new java.util.TreeMap<>();
    double from = series.get(0).minute();
    for (Point p : series) {
      least.merge(
          (int) ((p.minute() - from) / FLOOR_MINUTES), p, (a, b) -> a.mb() <= b.mb() ? a : b);
    }
    return List.copyOf(least.values());
  }

  /** The median of the slopes between every two points, per minute: robust to spikes. */
  static double theilSen(List<Point> points) {
    List<Double> slopes = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      for (int j = i + 1; j < points.size(); j++) {
        double dt = points.get(j).minute() - points.get(i).minute();
        if (dt > 0) {
          slopes.add((points.get(j).mb() - points.get(i).mb()) / dt);
        }
      }
    }
    return median(slopes.stream().mapToDouble(Double::doubleValue).sorted().toArray());
  }

  private static double median(double[] sorted) {
    if (sorted.length == 0) {
      return 0;
    }
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
}
