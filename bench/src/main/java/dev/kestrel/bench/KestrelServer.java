package dev.kestrel.bench;

import dev.kestrel.client.KestrelClient;
import dev.kestrel.testkit.Ports;
import dev.kestrel.testkit.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The product as users run it: {@code java -jar server/target/kestrel.jar server config.yml} in a
 * JVM of its own, on one of the engines (whose gRPC port the raw-start baseline uses too).
 */
final class KestrelServer implements AutoCloseable {
  /** An engine: its name in the report, its {@code temporal:} configuration, its gRPC target. */
  record Engine(String name, String yaml, String target) {
    static Engine inMemory() {
      int port = Ports.free();
      return new Engine(
          "in-memory", "{mode: IN_MEMORY, inMemoryPort: " + port + "}", "127.0.0.1:" + port);
    }

    /**
     * The default: the dev server the server supervises, with these SQLite pragmas (none: SQLite's
     * own defaults).
     */
    static Engine local(String name, List<String> sqlitePragmas) {
      int port = Ports.free();
      String pragmas =
          sqlitePragmas.stream()
              .map(p -> "\"" + p + "\"")
              .collect(Collectors.joining(", ", "[", "]"));
      return new Engine(
          name,
          "{mode: LOCAL, local: {port: %d, uiPort: %d, sqlitePragmas: %s}}"
              .formatted(port, Ports.free(), pragmas),
          "127.0.0.1:" + port);
    }

    /** The durable default as the server runs it out of the box (WAL, synchronous=normal). */
    static Engine localDefault() {
      return local(Bench.DEFAULT_ENGINE, List.of("journal_mode=wal", "synchronous=normal"));
    }

    static Engine external(String name, String target) {
      return new Engine(name, "{mode: EXTERNAL, target: \"" + target + "\"}", target);
    }
  }

  static final String KEY = "sk_live_bench-key-000000000000000000";
  static final Path JAR =
      Path.of(System.getProperty("kestrel.jar", "server/target/kestrel.jar")).toAbsolutePath();

  final int httpPort = Ports.free();
  final int adminPort = Ports.free();
  private final Path dir;
  private final Engine engine;
  private Path jar = JAR;
  private Process process;

  /**
   * @param slots browser slots, or 0 for no worker at all (an API alone)
   */
  KestrelServer(Path dir, Engine engine, int slots) {
    this.dir = dir;
    this.engine = engine;
    String temporal = engine.yaml();
    String yaml =
        """
        server:
          applicationConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
          adminConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
          requestLog: {appenders: []}
        logging: {level: WARN}
        dataDir: %s
        temporal: %s
        worker: {enabled: %s, browserSlots: %d, chromiumPath: "%s"}
        bootstrap: {organization: bench, apiKey: %s}
        # One organization is the whole load here: its fair-share caps would measure themselves.
        limits: {requestsPerSecondPerOrganization: 1000000, maxActiveRunsPerOrganization: 1000000}
        """
            .formatted(
                httpPort,
                adminPort,
                dir.resolve("data"),
                temporal,
                slots > 0,
                Math.max(slots, 1),
                System.getProperty("kestrel.chromium", "/usr/bin/chromium"),
                KEY);
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("kestrel.yml"), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Another build of the server (the A/B comparison's). */
  KestrelServer jar(Path jar) {
    this.jar = jar;
    return this;
  }

  KestrelServer start() {
    process =
        Processes.startJar(
            "1g",
            jar,
            List.of("server", dir.resolve("kestrel.yml").toString()),
            Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
            dir.resolve("kestrel.log"));
    Ports.awaitOpen(
        httpPort,
        Duration.ofSeconds(120),
        process,
        "kestrel server (log " + dir.resolve("kestrel.log") + ")");
    return this;
  }

  KestrelClient api() {
    return KestrelClient.builder(URI.create("http://127.0.0.1:" + httpPort), KEY).build();
  }

  String pingUrl() {
    return "http://127.0.0.1:" + adminPort + "/ping";
  }

  /** The engine the server uses: what the raw-start baseline connects to. */
  String engineTarget() {
    return engine.target();
  }

  String engineName() {
    return engine.name();
  }

  /** The embedded H2 database; AUTO_SERVER lets this process open it while the server holds it. */
  String databaseUrl() {
    return "jdbc:h2:file:"
        + dir.resolve("data").resolve("db").resolve("kestrel").toAbsolutePath()
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;AUTO_SERVER=TRUE;WRITE_DELAY=0";
  }

  /** The server's JVM: what the CPU row reads. */
  ProcessHandle handle() {
    return process.toHandle();
  }

  /** Proportional set size of the server and every process it started (its Chromiums), in MB. */
  double pssMb() {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(process.toHandle());
    process.descendants().forEach(tree::add);
    return Memory.pssMb(tree);
  }

  /** Its Chromium renderer processes (one per page's site, so at least one per run's context). */
  double rendererPssMb() {
    return Memory.pssMb(process.descendants().filter(Memory::isRenderer).toList());
  }

  /** The same, of its Chromium processes only: what a concurrent run adds lives there. */
  double browserPssMb() {
    return Memory.pssMb(process.descendants().filter(Memory::isChromium).toList());
  }

  @Override
  public void close() {
    if (process != null) {
      List<ProcessHandle> children = process.descendants().toList();
      process.destroy();
      try {
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
