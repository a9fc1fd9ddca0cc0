package dev.kestrel.bench.soak;

import dev.kestrel.testkit.Ports;
import dev.kestrel.testkit.Processes;
import dev.kestrel.testkit.TemporalDevServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The product as users run it, in JVMs of their own started as an operator starts them ({@code java
 * -jar kestrel.jar server|worker config.yml}): the durable default (one server with its worker, the
 * embedded database and the local Temporal server it supervises under its data folder), or external
 * mode (an API, two workers, a Temporal dev server, PostgreSQL).
 *
 * <p>Every process it starts carries {@link #TAG} in its environment, and so does every process
 * those start (Chromium, Playwright's driver, the local Temporal server): the soak finds what is
 * left of them through {@code /proc}, whatever re-parented them.
 */
final class SoakFleet implements AutoCloseable {
  static final String KEY = "sk_live_soak-key-0000000000000000000";
  static final String ORGANIZATION = "soak";
  static final Path JAR =
      Path.of(System.getProperty("kestrel.jar", "server/target/kestrel.jar")).toAbsolutePath();
  static final String CHROMIUM = System.getProperty("kestrel.chromium", "/usr/bin/chromium");

  /** The environment variable that marks the soak's processes; its value is this soak's id. */
  static final String TAG = "KESTREL_SOAK_ID";

  /** One Kestrel JVM: its role, its configuration file, its log, the process while it runs. */
  static final class Node {
    final String name;
    final String command;
    final Path config;
    final Path log;
    final int httpPort;
    final int adminPort;
    Process process;

    Node(String name, String command, Path dir, int httpPort, int adminPort) {
      this.name = name;
      this.command = command;
      this.config = dir.resolve(name + ".yml");
      this.log = dir.resolve(name + ".log");
      this.httpPort = httpPort;
      this.adminPort = adminPort;
    }

    boolean alive() {
      return process != null && process.isAlive();
    }

    long pid() {
      return process.pid();
    }
  }

  final boolean external;
  final String id = UUID.randomUUID().toString();
  final int slotsPerWorker;
  private final Path dir;
  private final String engineTarget;
  private final String databaseUrl;
  private final Node api;
  private final List<Node> workers = new ArrayList<>();
  private TemporalDevServer temporal;
  private int workersStarted;

  private SoakFleet(Path dir, boolean external, int slotsPerWorker) {
    this.dir = dir;
    this.external = external;
    this.slotsPerWorker = slotsPerWorker;
    if (external) {
      try {
        Files.createDirectories(dir.resolve("temporal"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      temporal = new TemporalDevServer(dir.resolve("temporal")).start();
      engineTarget = temporal.target();
      databaseUrl = newPostgresDatabase();
    } else {
      engineTarget = "127.0.0.1:" + Ports.free();
      databaseUrl =
          "jdbc:h2:file:"
              + dir.resolve("data").resolve("db").resolve("kestrel").toAbsolutePath()
              + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE;WRITE_DELAY=0";
    }
    api = new Node("api", "server", dir, Ports.free(), Ports.free());
  }

  /** The durable default: one {@code server} with its worker, as {@code scripts/serve} runs it. */
  static SoakFleet durableDefault(Path dir, int slots) throws IOException {
    Files.createDirectories(dir);
    SoakFleet fleet = new SoakFleet(dir, false, slots);
    fleet.write(
        fleet.api,
        """
        temporal: {mode: LOCAL, local: {port: %s, uiPort: %d}}
        worker: {browserSlots: %d, chromiumPath: "%s", holdForInputSeconds: 20}
        """
            .formatted(
                fleet.engineTarget.substring(fleet.engineTarget.indexOf(':') + 1),
                Ports.free(),
                slots,
                CHROMIUM));
    fleet.start(fleet.api);
    fleet.workers.add(fleet.api);
    return fleet;
  }

  /**
   * External mode: an API without a worker and two workers, on PostgreSQL and a Temporal server.
   */
  static SoakFleet external(Path dir, int slotsPerWorker) throws IOException {
    Files.createDirectories(dir);
    SoakFleet fleet = new SoakFleet(dir, true, slotsPerWorker);
    fleet.write(fleet.api, fleet.externalYaml(false));
    fleet.start(fleet.api);
    fleet.addWorker();
    fleet.addWorker();
    return fleet;
  }

  private String externalYaml(boolean worker) {
    return """
        database: {driverClass: org.postgresql.Driver, url: "%s", user: kestrel, password: kestrel}
        temporal: {mode: EXTERNAL, target: "%s"}
        worker: {enabled: %s, browserSlots: %d, chromiumPath: "%s", holdForInputSeconds: 20}
        """
        .formatted(databaseUrl, engineTarget, worker, slotsPerWorker, CHROMIUM);
  }

  private Node addWorker() {
    Node worker = new Node("worker-" + ++workersStarted, "worker", dir, Ports.free(), Ports.free());
    write(worker, externalYaml(true));
    start(worker);
    workers.add(worker);
    return worker;
  }

  /**
   * Quiet logs, the soak organization's key, limits that let one organization be the whole load,
   * and webhook retries fast enough that the drain at the end does not wait ten minutes for a
   * receiver's refusals. Workers hold an input step's session 20 s (not 300): the soak's late
   * answers then find the session given back, and the run resumes from its checkpoint.
   */
  private void write(Node node, String engineAndWorker) {
    String yaml =
        """
        server:
          applicationConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
          adminConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
          requestLog: {appenders: []}
        logging: {level: WARN, loggers: {dev.kestrel: INFO}}
        dataDir: %s
        %s
        bootstrap: {organization: %s, apiKey: %s}
        limits: {requestsPerSecondPerOrganization: 100000, maxActiveRunsPerOrganization: 100000}
        webhooks: {retryInitialIntervalMillis: 1000, retryMaxIntervalSeconds: 4}
        """
            .formatted(
                node.httpPort,
                node.adminPort,
                dir.resolve("data"),
                engineAndWorker.strip(),
                ORGANIZATION,
                KEY);
    try {
      Files.writeString(node.config, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void start(Node node) {
    node.process =
        Processes.start(
            jvm(node),
            // As scripts/serve and the image set them.
            Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1", "MALLOC_ARENA_MAX", "2", TAG, id),
            node.log);
    // The admin port: a worker serves no API.
    Ports.awaitOpen(
        node.adminPort,
        Duration.ofSeconds(180),
        node.process,
        "kestrel " + node.name + " (log " + node.log + ")");
  }

  /**
   * {@code java -jar kestrel.jar <command> <config>} with the heap fixed at 1 GB and touched at
   * start ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}), as production JVMs are set: the collector
   * then never grows the heap under load, and what the RSS still gains is the JVM's native and
   * non-heap memory, which is what a leak would grow.
   */
  private static List<String> jvm(Node node) {
    String java = ProcessHandle.current().info().command().orElse("java");
    return List.of(
        java,
        "-Xms1g",
        "-Xmx1g",
        "-XX:+AlwaysPreTouch",
        // What the RSS gains beyond the heap, by kind (the JIT's code, classes, threads, malloc):
        // sampled with jcmd; a few percent of CPU.
        "-XX:NativeMemoryTracking=summary",
        "-jar",
        JAR.toString(),
        node.command,
        node.config.toString());
  }

  URI apiUrl() {
    return URI.create("http://127.0.0.1:" + api.httpPort);
  }

  String engineTarget() {
    return engineTarget;
  }

  String databaseUrl() {
    return databaseUrl;
  }

  Connection openDatabase() throws SQLException {
    return external
        ? DriverManager.getConnection(databaseUrl, "kestrel", "kestrel")
        : DriverManager.getConnection(databaseUrl, "sa", "");
  }

  int slots() {
    return slotsPerWorker * (external ? 2 : 1);
  }

  /** The Kestrel JVMs now running (the API first). */
  List<Node> nodes() {
    List<Node> all = new ArrayList<>();
    all.add(api);
    workers.stream().filter(w -> w != api).forEach(all::add);
    return all.stream().filter(Node::alive).toList();
  }

  /**
   * kill -9 of the worker side: the server (its worker inside) on the default, which is then
   * started again on its data folder; the oldest worker in external mode, replaced by a new one.
   * Only the JVM is killed: what it started must end by itself.
   */
  String killWorkerSide() {
    Node victim = external ? workers.get(0) : api;
    victim.process.destroyForcibly();
    awaitExit(victim, Duration.ofSeconds(30));
    return replace(victim, "kill -9 of " + victim.name + " (pid " + victim.process.pid() + ")");
  }

  /** SIGTERM of the worker side: it hands its runs over as it stops, then one takes its place. */
  String handOver() {
    Node victim = external ? workers.get(0) : api;
    victim.process.destroy();
    awaitExit(victim, Duration.ofSeconds(120));
    return replace(victim, "SIGTERM of " + victim.name + " (pid " + victim.process.pid() + ")");
  }

  private String replace(Node victim, String what) {
    if (external) {
      workers.remove(victim);
      Node next = addWorker();
      return what + "; " + next.name + " started";
    }
    start(victim);
    return what + "; started again on its data folder";
  }

  /**
   * A restart of the engine: the Temporal server is killed. The default's server supervises its own
   * and starts it again; in external mode the dev server is started again on its database.
   */
  String restartEngine() {
    if (external) {
      temporal.kill();
      temporal.start();
      return "kill -9 of the Temporal dev server; started again on its database";
    }
    ProcessHandle engine =
        api.process
            .descendants()
            .filter(p -> p.info().command().orElse("").endsWith("temporal"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no local Temporal server found"));
    engine.destroyForcibly();
    return "kill -9 of the local Temporal server (pid "
        + engine.pid()
        + "); the server's supervisor starts it again";
  }

  private static void awaitExit(Node node, Duration atMost) {
    try {
      if (!node.process.waitFor(atMost.toSeconds(), TimeUnit.SECONDS)) {
        node.process.destroyForcibly();
        node.process.waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops every JVM as an operator does (SIGTERM), then the Temporal server. */
  @Override
  public void close() {
    for (Node node : nodes()) {
      node.process.destroy();
    }
    for (Node node : List.of(api)) {
      if (node.process != null) {
        awaitExit(node, Duration.ofSeconds(60));
      }
    }
    workers.stream()
        .filter(w -> w.process != null)
        .forEach(w -> awaitExit(w, Duration.ofSeconds(60)));
    if (temporal != null) {
      temporal.close();
    }
  }

  /** A fresh database on the machine's PostgreSQL, as {@code scripts/soak} prepared it. */
  private static String newPostgresDatabase() {
    String base =
        System.getenv()
            .getOrDefault(
                "KESTREL_SOAK_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/kestrel_test");
    String name = "kestrel_soak_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(base, "kestrel", "kestrel")) {
      c.createStatement().execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create the soak's database on " + base, e);
    }
    return base.substring(0, base.lastIndexOf('/') + 1) + name;
  }
}
