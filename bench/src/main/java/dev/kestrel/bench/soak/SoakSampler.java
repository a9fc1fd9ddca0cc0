package dev.kestrel.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.bench.soak.SoakProcesses.Kind;
import dev.kestrel.bench.soak.SoakProcesses.Proc;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.RunQuery;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.Envelopes.RunPage;
import dev.kestrel.model.api.Run;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One look at the fleet: the Kestrel JVMs (RSS, heap, threads, open files), the browsers' process
 * tree (its memory, its processes against the slots), the runs by status as the API, the store and
 * Temporal's visibility each count them, the queue wait and the webhook backlog.
 */
final class SoakSampler implements AutoCloseable {
  /** What one look found. Counts by status are absent (null) when that view did not answer. */
  record Sample(
      double minute,
      int kestrelJvms,
      double jvmRssMb,
      double heapUsedMb,
      double retainedMb,
      int threads,
      int openFiles,
      double browserRssMb,
      double browserPssMb,
      double browserBasePssMb,
      int browsers,
      int chromiumProcesses,
      int drivers,
      int engines,
      int slots,
      Map<String, Long> apiRuns,
      Map<String, Long> storeRuns,
      Map<String, Long> temporalRuns,
      Long queueWaitP95Ms,
      Long webhookBacklog,
      List<String> events,
      Map<String, Double> nativeMemoryMb) {}

  /**
   * A light look, taken every few seconds between the samples: the memory the soak judges flat, so
   * that each stretch's floor rests on many looks (a sample a minute gives a 5-minute floor five,
   * too few against the tens of MB a page in flight adds). No collection, no jcmd, no API call.
   */
  record Trace(
      double minute,
      int kestrelJvms,
      double jvmRssMb,
      double codeCacheMb,
      double browserBasePssMb) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SoakFleet fleet;
  private final KestrelClient client;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final WorkflowServiceStubs service;
  private final WorkflowClient temporal;
  private final SoakProcesses processes;

  SoakSampler(SoakFleet fleet, KestrelClient client, SoakProcesses processes) {
    this.fleet = fleet;
    this.client = client;
    this.processes = processes;
    this.service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(fleet.engineTarget()).build());
    this.temporal = WorkflowClient.newInstance(service);
  }

  Sample sample(double minute, Long queueWaitP95Ms, List<String> events) {
    double heap = 0;
    double retained = 0;
    int threads = 0;
    int files = 0;
    List<SoakFleet.Node> nodes = fleet.nodes();
    Map<String, Double> nativeMemory = new TreeMap<>();
    for (SoakFleet.Node node : nodes) {
      collect(node);
      nativeMemory(node.pid()).forEach((kind, mb) -> nativeMemory.merge(kind, mb, Double::sum));
      JsonNode gauges = metrics(node);
      heap += gauges.path("jvm.memory.heap.used").path("value").asDouble() / (1 << 20);
      // What the JVM holds on to: the old generation after its last collection, the non-heap
      // pools (metaspace, code) and direct buffers.
      retained +=
          (gauges.path("jvm.memory.pools.G1-Old-Gen.used-after-gc").path("value").asDouble()
                  + gauges.path("jvm.memory.non-heap.used").path("value").asDouble()
                  + gauges.path("jvm.buffers.direct.used").path("value").asDouble())
              / (1 << 20);
      threads += gauges.path("jvm.threads.count").path("value").asInt();
      files += Math.max(0, SoakProcesses.openFiles(node.pid()));
    }
    List<Proc> procs = processes.scan();
    double rss = jvmRssMb(procs);
    double browserBase = browserBasePssMb(procs);
    double browserRss = 0;
    double browserPss = 0;
    int browsers = 0;
    int chromium = 0;
    int drivers = 0;
    int engines = 0;
    for (Proc p : procs) {
      switch (p.kind()) {
        case BROWSER, BROWSER_CHILD, RENDERER -> {
          browserRss += p.rssMb();
          browserPss += p.pssMb();
          chromium++;
          browsers += p.kind() == Kind.BROWSER ? 1 : 0;
        }
        case DRIVER -> drivers++;
        case ENGINE -> engines++;
        default -> {}
      }
    }
    Long backlog = null;
    Map<String, Long> store = null;
    try (Connection c = fleet.openDatabase();
        Statement s = c.createStatement()) {
      store = new TreeMap<>();
      try (ResultSet r = s.executeQuery("SELECT status, COUNT(*) FROM runs GROUP BY status")) {
        while (r.next()) {
          store.put(r.getString(1), r.getLong(2));
        }
      }
      backlog = webhookBacklog(s);
    } catch (SQLException | RuntimeException e) {
      // The store is down with its process: the view is missing from this sample.
    }
    return new Sample(
        minute,
        nodes.size(),
        rss,
        heap,
        retained,
        threads,
        files,
        browserRss,
        browserPss,
        browserBase,
        browsers,
        chromium,
        drivers,
        engines,
        fleet.slots(),
        apiRuns(),
        store,
        temporalRuns(),
        queueWaitP95Ms,
        backlog,
        events,
        nativeMemory);
  }

  Trace trace(double minute) {
    List<SoakFleet.Node> nodes = fleet.nodes();
    double code = 0;
    for (SoakFleet.Node node : nodes) {
      code += codeCacheMb(metrics(node));
    }
    List<Proc> procs = processes.scan();
    return new Trace(minute, nodes.size(), jvmRssMb(procs), code, browserBasePssMb(procs));
  }

  /** The Kestrel JVMs' resident memory. */
  private static double jvmRssMb(List<Proc> procs) {
    return procs.stream().filter(p -> p.kind() == Kind.KESTREL).mapToDouble(Proc::rssMb).sum();
  }

  /**
   * The browsers' lasting memory: their processes but the pages' renderers, whose memory belongs to
   * the page loaded now.
   */
  private static double browserBasePssMb(List<Proc> procs) {
    return procs.stream()
        .filter(p -> p.kind() == Kind.BROWSER || p.kind() == Kind.BROWSER_CHILD)
        .mapToDouble(Proc::pssMb)
        .sum();
  }

  /**
   * The JIT's code heaps, committed: the JVM grows them as methods get hot, up to their reserve.
   */
  static double codeCacheMb(JsonNode gauges) {
    double bytes = 0;
    for (var it = gauges.fields(); it.hasNext(); ) {
      var gauge = it.next();
      if (gauge.getKey().startsWith("jvm.memory.pools.CodeHeap")
          && gauge.getKey().endsWith(".committed")) {
        bytes += gauge.getValue().path("value").asDouble();
      }
    }
    return bytes / (1 << 20);
  }

  private static final Pattern NMT_LINE =
      Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

  /**
   * The JVM's committed memory by kind, as Native Memory Tracking counts it (in MB): empty when
   * jcmd cannot reach it.
   */
  private static Map<String, Double> nativeMemory(long pid) {
    Map<String, Double> kinds = new TreeMap<>();
    try {
      Process jcmd =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  String.valueOf(pid),
                  "VM.native_memory",
                  "summary")
              .redirectErrorStream(true)
              .start();
      // The summary is a few KB, well within a pipe's buffer: jcmd ends without being read.
      if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
        return kinds;
      }
      String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      for (String line : out.split("\n")) {
        Matcher m = NMT_LINE.matcher(line.trim());
        if (m.find()) {
          kinds.put(m.group(1).trim(), Long.parseLong(m.group(2)) / 1024.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Gone meanwhile, or tracking off.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return kinds;
  }

  /**
   * Deliveries not yet settled: none of their attempts was delivered and fewer than the seven a
   * delivery gets were made, to an endpoint that still exists.
   */
  private static long webhookBacklog(Statement s) throws SQLException {
    try (ResultSet r =
        s.executeQuery(
            "SELECT COUNT(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id ="
                + " d.endpoint_id WHERE e.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM"
                + " webhook_attempts a WHERE a.delivery_id = d.id AND a.delivered) AND (SELECT"
                + " COUNT(*) FROM webhook_attempts a WHERE a.delivery_id = d.id) < 7")) {
      r.next();
      return r.getLong(1);
    }
  }

  /** Deliveries given up on: seven attempts, none delivered. */
  long webhooksGivenUp() throws SQLException {
    try (Connection c = fleet.openDatabase();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT COUNT(*) FROM webhook_deliveries d WHERE NOT EXISTS (SELECT 1 FROM"
                    + " webhook_attempts a WHERE a.delivery_id = d.id AND a.delivered)"
                    + " AND (SELECT COUNT(*) FROM webhook_attempts a WHERE a.delivery_id = d.id)"
                    + " >= 7")) {
      r.next();
      return r.getLong(1);
    }
  }

  /** Terminal events in the store's deliveries: the runs whose end the receiver must hear of. */
  Map<String, String> terminalEventsRecorded() throws SQLException {
    Map<String, String> byRun = new LinkedHashMap<>();
    try (Connection c = fleet.openDatabase();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT run_id, event FROM webhook_deliveries WHERE event IN"
                    + " ('task-run.completed', 'task-run.failed', 'task-run.cancelled')")) {
      while (r.next()) {
        byRun.put(r.getString(1), r.getString(2));
      }
    }
    return byRun;
  }

  /**
   * Asks the JVM for a full collection (Dropwizard's {@code gc} task on the admin port) before it
   * is sampled: the old generation's use after it is the live set, where G1's use after a young
   * collection climbs and falls with its mixed cycles (the first hour's "retained" sawtooth).
   */
  private void collect(SoakFleet.Node node) {
    try {
      http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort + "/tasks/gc"))
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (Exception e) {
      // A JVM restarting: its sample says so by its absence.
    }
  }

  private JsonNode metrics(SoakFleet.Node node) {
    try {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(answer.body()).path("gauges");
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  /** Every run of the organization, by status, as the API lists them; null if it did not answer. */
  Map<String, Long> apiRuns() {
    try {
      return countByStatus(allRuns());
    } catch (RuntimeException e) {
      return null;
    }
  }

  List<Run> allRuns() {
    List<Run> all = new ArrayList<>();
    String cursor = null;
    do {
      RunQuery query = RunQuery.all().limit(100);
      RunPage page = client.listRuns(cursor == null ? query : query.cursor(cursor));
      all.addAll(page.runs());
      cursor = page.nextCursor();
    } while (cursor != null);
    return all;
  }

  static Map<String, Long> countByStatus(List<Run> runs) {
    Map<String, Long> counts = new TreeMap<>();
    runs.forEach(r -> counts.merge(r.status().name(), 1L, Long::sum));
    return counts;
  }

  /**
   * Runs by their {@code KestrelRunStatus} search attribute, one count per status, leaving out
   * executions a run continued as new from; null if the engine did not answer.
   */
  Map<String, Long> temporalRuns() {
    try {
      Map<String, Long> counts = new TreeMap<>();
      for (RunStatus status : RunStatus.values()) {
        long n =
            temporal
                .countWorkflows(
                    "WorkflowType = 'RunWorkflow' AND ExecutionStatus != 'ContinuedAsNew' AND"
                        + " KestrelRunStatus = '"
                        + status.name()
                        + "'")
                .getCount();
        if (n > 0) {
          counts.put(status.name(), n);
        }
      }
      return counts;
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public void close() {
    service.shutdownNow();
  }
}
