package dev.kestrel.bench.soak;

import dev.kestrel.client.KestrelApiException;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.KestrelException;
import dev.kestrel.client.RetryRequest;
import dev.kestrel.client.RunEvent;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunError;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.Run;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The soak's traffic: drivers that each queue a run of a scenario, follow it the way one kind of
 * client does (polling, long polls and event streams, some of which hang up early), cancel it
 * mid-step, answer its input step late, or retry it from a step, then queue the next. A run counts
 * as accepted once the API answered {@code 202} (or replayed it for the same {@code
 * clientRequestId}); the invariants are checked against this list.
 */
final class SoakLoad {
  /** What a run does, and how often the drivers pick it. */
  enum Scenario {
    COMPLETE(4),
    HEAVY(2),
    HUGE_DOM(1),
    POPUP(1),
    DOWNLOAD(1),
    FAIL(1),
    BUSY_LOOP(1),
    MEMORY_HOG(1),
    TIMEOUT(1),
    CANCEL(2),
    INPUT(1),
    RETRY(0);

    final int weight;

    Scenario(int weight) {
      this.weight = weight;
    }

    /**
     * How a run of this scenario ends, as status and error code ({@code COMPLETED}, {@code
     * FAILED/timeout}); null: either way (a retry ends as its original would, a page that eats
     * memory as its renderer's death and Chromium decide). Faults never change it: a run resumes.
     */
    String expected() {
      return switch (this) {
        case COMPLETE, HEAVY, HUGE_DOM, POPUP, DOWNLOAD, INPUT -> "COMPLETED";
        case FAIL, BUSY_LOOP -> "FAILED/step_failed";
        case TIMEOUT -> "FAILED/timeout";
        case CANCEL -> "CANCELLED";
        case MEMORY_HOG, RETRY -> null;
      };
    }
  }

  /** How a run ended: its status, and its error code when it failed. */
  static String outcome(Run run) {
    return run.error() == null ? run.status().name() : run.status() + "/" + run.error().code();
  }

  /** A run the API accepted, and what the soak made of it. */
  record Accepted(String runId, Scenario scenario, long acceptedAtMillis) {}

  /** Runs that did not end as their scenario says, with how they did end (at most 50 kept). */
  final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

  /**
   * Runs the faults ended otherwise, as the product's rules say they may: a run whose browser
   * session the faults took three times fails {@code browser_crashed}, and a run whose clock ran
   * out while a fault held it fails {@code timeout}.
   */
  final ConcurrentLinkedQueue<String> endedByFaults = new ConcurrentLinkedQueue<>();

  /** When each fault struck. */
  private final List<Instant> faults = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** How runs ended, by scenario: "heavy COMPLETED" → count. */
  final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();

  /** A run's wait in the queue: from its acceptance to its first step. */
  record QueueWait(long startedAtMillis, long millis) {}

  private final KestrelClient client;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI api;
  private final SoakPages pages;
  private final Map<Scenario, String> tasks = new EnumMap<>(Scenario.class);
  private String scheduledTask;
  private final List<Scenario> deck = new ArrayList<>();
  private final List<Thread> drivers = new ArrayList<>();
  private volatile boolean stopping;

  final Map<String, Accepted> accepted = new ConcurrentHashMap<>();
  final ConcurrentLinkedQueue<QueueWait> queueWaits = new ConcurrentLinkedQueue<>();
  final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  /** API answers of 500 (never allowed) and other surprises, with what was asked. */
  final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

  SoakLoad(KestrelClient client, URI api, SoakPages pages) {
    this.client = client;
    this.api = api;
    this.pages = pages;
    for (Scenario s : Scenario.values()) {
      for (int i = 0; i < s.weight; i++) {
        deck.add(s);
      }
    }
  }

  private void count(String what) {
    counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }

  /** The tasks, one per scenario, the schedule's task, and the webhook endpoint of every event. */
  void setUp() {
    define(Scenario.COMPLETE, 120, step("open", goTo("/plain")), read());
    define(
        Scenario.HEAVY,
        180,
        step("open", goTo("/heavy?n=3000") + ", \"timeoutMs\": 90000"),
        read());
    define(
        Scenario.HUGE_DOM,
        180,
        step("open", goTo("/dom?n=100000") + ", \"timeoutMs\": 90000"),
        read());
    define(
        Scenario.POPUP,
        120,
        step("open", goTo("/opener")),
        step("popup", "\"action\": \"click\", \"selector\": \"#open\""),
        read());
    define(
        Scenario.DOWNLOAD,
        120,
        step("open", goTo("/export")),
        step("csv", "\"action\": \"download\", \"selector\": \"#csv\", \"output\": \"csv\""));
    define(
        Scenario.FAIL,
        120,
        step("open", goTo("/plain")),
        step("missing", "\"action\": \"click\", \"selector\": \"#missing\", \"timeoutMs\": 1500"));
    define(
        Scenario.BUSY_LOOP,
        120,
        step("open", goTo("/busy")),
        // A short timeout: the watchdog frees the slot 15 s after it, not after the default's.
        step("spin", "\"action\": \"waitFor\", \"ms\": 300, \"timeoutMs\": 2000"),
        step(
            "read",
            "\"action\": \"extract\", \"selector\": \"#status\", \"output\": \"s\", \"timeoutMs\": 3000"));
    define(
        Scenario.MEMORY_HOG,
        120,
        step("open", goTo("/hog")),
        step("grow", "\"action\": \"waitFor\", \"ms\": 8000"),
        step(
            "read",
            "\"action\": \"extract\", \"selector\": \"#status\", \"output\": \"s\", \"timeoutMs\": 3000"));
    define(
        Scenario.TIMEOUT,
        5,
        step("open", goTo("/plain")),
        step("forever", "\"action\": \"waitFor\", \"ms\": 60000"));
    define(
        Scenario.CANCEL,
        120,
        step("open", goTo("/plain")),
        step("long", "\"action\": \"waitFor\", \"ms\": 12000"),
        read());
    define(
        Scenario.INPUT,
        120,
        step("open", goTo("/plain")),
        step(
            "ask",
            "\"action\": \"input\", \"prompt\": \"A code, please\", \"fields\": {\"code\":"
                + " {\"type\": \"string\"}}, \"timeoutSeconds\": 900"),
        step(
            "answered",
            "\"action\": \"extract\", \"selector\": \"#status\", \"output\": \"status\","
                + " \"when\": {\"equals\": [\"{{input.ask.code}}\", \"42\"]}"));
    scheduledTask =
        client
            .createTask(
                """
                {"name": "soak: every minute", "steps": [%s, %s],
                 "schedule": {"cron": "* * * * *", "overlap": "buffer_one"}}
                """
                    .formatted(step("open", goTo("/plain")), read()))
            .id();
    client.createWebhookEndpoint(pages.url("/hooks"), List.of(), null);
  }

  String scheduledTask() {
    return scheduledTask;
  }

  private void define(Scenario scenario, int timeoutSeconds, String... steps) {
    String json =
        "{\"name\": \"soak: %s\", \"timeoutSeconds\": %d, \"steps\": [%s]}"
            .formatted(scenario.name().toLowerCase(), timeoutSeconds, String.join(", ", steps));
    tasks.put(scenario, client.createTask(json).id());
  }

  private String goTo(String path) {
    return "\"action\": \"goto\", \"url\": \"" + pages.url(path) + "\"";
  }

  private static String step(String id, String rest) {
    return "{\"id\": \"" + id + "\", " + rest + "}";
  }

  private static String read() {
    return step(
        "read", "\"action\": \"extract\", \"selector\": \"#status\", \"output\": \"status\"");
  }

  /** Starts {@code n} drivers, each with its own seed so that a soak can be replayed. */
  void start(int n, long seed) {
    for (int i = 0; i < n; i++) {
      Random random = new Random(seed + i);
      Thread t = new Thread(() -> drive(random), "soak-driver-" + i);
      t.setDaemon(true);
      drivers.add(t);
      t.start();
    }
  }

  /** Lets every driver finish the run it follows, then stop; false if one was still busy. */
  boolean stopAndDrain(Duration atMost) throws InterruptedException {
    stopping = true;
    long deadline = System.nanoTime() + atMost.toNanos();
    for (Thread t : drivers) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    return drivers.stream().noneMatch(Thread::isAlive);
  }

  private void drive(Random random) {
    while (!stopping) {
      Scenario scenario = deck.get(random.nextInt(deck.size()));
      try {
        String runId = queue(scenario);
        follow(scenario, runId, random);
      } catch (RuntimeException e) {
        problems.add(scenario + ": " + e);
        count("driver errors");
        sleep(1000);
      }
    }
  }

  private String queue(Scenario scenario) {
    RunRequest request = RunRequest.defaults().clientRequestId(UUID.randomUUID().toString());
    Run run =
        retrying("queue " + scenario, () -> client.queueRun(tasks.get(scenario), request).run());
    accepted.put(run.id(), new Accepted(run.id(), scenario, System.currentTimeMillis()));
    count("queued " + scenario.name().toLowerCase());
    return run.id();
  }

  private void follow(Scenario scenario, String runId, Random random) {
    Run end =
        switch (scenario) {
          case CANCEL -> cancelMidStep(runId);
          case INPUT -> answerLate(runId, random);
          default -> awaitEnd(runId, random);
        };
    ended(scenario, end);
    if (scenario == Scenario.CANCEL
        && end.status() == RunStatus.CANCELLED
        && random.nextBoolean()) {
      retryFrom(runId, RetryRequest.fromStep(2), random);
    } else if (scenario == Scenario.FAIL && random.nextInt(4) == 0) {
      retryFrom(runId, RetryRequest.fromFailedStep(), random);
    }
  }

  private void retryFrom(String runId, RetryRequest request, Random random) {
    RetryRequest once = request.clientRequestId(UUID.randomUUID().toString());
    Run retry = retrying("retry", () -> client.retry(runId, once).run());
    accepted.put(retry.id(), new Accepted(retry.id(), Scenario.RETRY, System.currentTimeMillis()));
    count("retries from a step");
    ended(Scenario.RETRY, awaitEnd(retry.id(), random));
  }

  /** Waits until the run is in its long step, then cancels it there. */
  private Run cancelMidStep(String runId) {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      Run run = retrying("get", () -> client.getRun(runId));
      if (run.status().isTerminal()) {
        return run;
      }
      if (run.status() == RunStatus.RUNNING && run.progress().currentStep() >= 2) {
        sleep(1500);
        retrying("cancel", () -> client.cancel(runId, "soak: cancelled mid-step"));
        count("cancelled mid-step");
        return awaitEnd(runId, null);
      }
      sleep(500);
    }
    throw new IllegalStateException("run " + runId + " never reached its long step");
  }

  /** Waits until the run waits for its input, then answers 10 to 60 seconds later. */
  private Run answerLate(String runId, Random random) {
    Run run = retrying("await waiting", () -> client.awaitWaiting(runId, Duration.ofMinutes(10)));
    if (run.status().isTerminal() || run.waitingFor() == null) {
      return awaitEnd(runId, random);
    }
    sleep(10_000 + random.nextInt(50_000));
    retrying("input", () -> client.submitInput(runId, "ask", Map.of("code", "42")));
    count("inputs answered late");
    return awaitEnd(runId, random);
  }

  /**
   * Follows the run to its end as one kind of client does: polling; long polls, some dropped by the
   * client after two seconds; or the event stream, closed after a few events.
   */
  private Run awaitEnd(String runId, Random random) {
    int style = random == null ? 0 : random.nextInt(3);
    if (style == 1 && random.nextBoolean()) {
      hangUpLongPoll(runId);
    } else if (style == 2) {
      watchBriefly(runId, 1 + random.nextInt(4));
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
    while (System.nanoTime() < deadline) {
      Run run =
          style == 0
              ? retrying("poll", () -> client.getRun(runId))
              : retrying("long poll", () -> client.waitForFinish(runId, Duration.ofSeconds(30)));
      if (run.status().isTerminal()) {
        return run;
      }
      if (style == 0) {
        sleep(1000);
      }
    }
    throw new IllegalStateException("run " + runId + " did not end within 15 minutes");
  }

  private void hangUpLongPoll(String runId) {
    HttpRequest request =
        HttpRequest.newBuilder(api.resolve("/public/v1/task-runs/" + runId + "?waitForFinish=30"))
            .header("Authorization", "Bearer " + SoakFleet.KEY)
            .timeout(Duration.ofSeconds(2))
            .build();
    try {
      http.send(request, HttpResponse.BodyHandlers.discarding());
    } catch (java.net.http.HttpTimeoutException expected) {
      count("long polls dropped by the client");
    } catch (Exception e) {
      count("long polls failed");
    }
  }

  private void watchBriefly(String runId, int events) {
    try (Stream<RunEvent> stream = client.followRun(runId, null)) {
      Iterator<RunEvent> it = stream.iterator();
      for (int i = 0; i < events && it.hasNext(); i++) {
        it.next();
      }
      count("event streams closed early");
    } catch (KestrelException | UncheckedIOException e) {
      count("event streams failed");
    }
  }

  private void ended(Scenario scenario, Run run) {
    queueWait(run);
    String outcome = outcome(run);
    outcomes
        .computeIfAbsent(scenario.name().toLowerCase() + " " + outcome, k -> new AtomicLong())
        .incrementAndGet();
    if (scenario.expected() != null && !scenario.expected().equals(outcome)) {
      long hits = faultsDuring(run);
      if (outcome.equals("FAILED/" + RunError.BROWSER_CRASHED) && hits >= 3
          || outcome.equals("FAILED/" + RunError.TIMEOUT) && hits >= 1) {
        endedByFaults.add(
            scenario.name().toLowerCase()
                + " run "
                + run.id()
                + " ended "
                + outcome
                + " after "
                + hits
                + " fault(s)");
        count("runs the faults ended otherwise");
        return;
      }
      if (unexpected.size() < 50) {
        unexpected.add(
            scenario.name().toLowerCase()
                + " run "
                + run.id()
                + " ended "
                + outcome
                + (run.error() == null ? "" : ": " + run.error().message()));
      }
      count("runs that did not end as their scenario says");
    }
  }

  /** Records that a fault strikes now. */
  void faultStrikes() {
    faults.add(Instant.now());
  }

  /** The faults that struck between the run's acceptance and its end. */
  private long faultsDuring(Run run) {
    Instant from = Instant.parse(run.timestamps().createdAt());
    Instant to =
        run.timestamps().finishedAt() == null
            ? Instant.now()
            : Instant.parse(run.timestamps().finishedAt());
    return faults.stream().filter(f -> !f.isBefore(from) && !f.isAfter(to)).count();
  }

  private void queueWait(Run run) {
    if (run.timestamps().startedAt() != null) {
      long created = Instant.parse(run.timestamps().createdAt()).toEpochMilli();
      long started = Instant.parse(run.timestamps().startedAt()).toEpochMilli();
      queueWaits.add(new QueueWait(started, started - created));
    }
  }

  /**
   * Calls the API until it answers: connection errors (a process being restarted), 429 and 503 are
   * waited out for up to ten minutes; a 500 is noted as a problem, then retried too.
   */
  private <T> T retrying(String what, Supplier<T> call) {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (true) {
      try {
        return call.get();
      } catch (KestrelApiException e) {
        if (e.status() == 500) {
          problems.add(what + ": 500 " + e.getMessage());
        } else if (e.status() != 429 && e.status() != 503 && e.status() != 502) {
          throw e;
        }
        count("API answers " + e.status());
        if (System.nanoTime() > deadline) {
          throw e;
        }
      } catch (KestrelException | UncheckedIOException e) {
        count("calls retried after a connection error");
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      sleep(1000);
    }
  }

  Map<String, Long> countsSnapshot() {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.put(e.getKey(), e.getValue().get()));
    return out;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
