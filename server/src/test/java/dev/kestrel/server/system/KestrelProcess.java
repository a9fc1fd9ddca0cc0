package dev.kestrel.server.system;

import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.Ports;
import dev.kestrel.testkit.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The product as a separate JVM, started the way an operator starts it: {@code java -jar
 * kestrel.jar server|worker config.yml}: in external mode against a real Temporal and PostgreSQL,
 * or on one data folder with the embedded database and the LOCAL or IN_MEMORY engine. It runs in a
 * process group of its own, so that a test can kill the whole server as a crash of the machine's
 * user session would.
 */
final class KestrelProcess implements AutoCloseable {
  static final Path JAR = Path.of("target/kestrel.jar").toAbsolutePath();
  static final Path TEST_CLASSES = Path.of("target/test-classes").toAbsolutePath();

  final String command;
  final int httpPort = Ports.free();
  final int adminPort = Ports.free();
  private final Path config;
  private final Path log;
  private final Map<String, String> env;
  private Process process;

  /**
   * @param command {@code server} (the API, without a worker) or {@code worker}
   * @param extraYaml more configuration, appended to the file
   */
  KestrelProcess(
      String command,
      Path dir,
      String name,
      String temporalTarget,
      String databaseUrl,
      String extraYaml) {
    this(command, dir, name);
    write(
        common(dataFolderOf(dir))
            + """
        database:
          driverClass: org.postgresql.Driver
          url: %s
          user: kestrel
          password: kestrel
        temporal:
          mode: EXTERNAL
          target: %s
        worker:
          enabled: false
          chromiumPath: %s
        """
                .formatted(databaseUrl, temporalTarget, CHROMIUM)
            + rest(extraYaml));
  }

  private KestrelProcess(String command, Path dir, String name) {
    this.command = command;
    this.config = dir.resolve(name + ".yml");
    this.log = dir.resolve(name + ".log");
    this.env = Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
  }

  /**
   * A {@code server} with its worker on the embedded database in {@code dataDir}, as the README's
   * first command runs it; {@code temporalYaml} is the {@code temporal:} block (the engine).
   */
  static KestrelProcess onDataFolder(
      Path dir, String name, Path dataDir, String temporalYaml, String extraYaml) {
    return onDataFolder(dir, name, dataDir, temporalYaml, 300, extraYaml);
  }

  /** The same, with input steps holding their session {@code holdForInputSeconds}. */
  static KestrelProcess onDataFolder(
      Path dir,
      String name,
      Path dataDir,
      String temporalYaml,
      int holdForInputSeconds,
      String extraYaml) {
    return onDataFolder(dir, name, dataDir, temporalYaml, holdForInputSeconds, 2, extraYaml);
  }

  static KestrelProcess onDataFolder(
      Path dir,
      String name,
      Path dataDir,
      String temporalYaml,
      int holdForInputSeconds,
      int browserSlots,
      String extraYaml) {
    KestrelProcess process = new KestrelProcess("server", dir, name);
    process.write(
        process.common(dataDir)
            + """
        temporal: %s
        worker:
          chromiumPath: %s
          browserSlots: %d
          holdForInputSeconds: %d
        """
                .formatted(temporalYaml, CHROMIUM, browserSlots, holdForInputSeconds)
            + rest(extraYaml));
    return process;
  }

  private static final String CHROMIUM =
      System.getProperty("kestrel.chromium", "/usr/bin/chromium");

  private static Path dataFolderOf(Path dir) {
    return dir.resolve("data");
  }

  /** Ports on 127.0.0.1, quiet logs, the data folder. */
  private String common(Path dataDir) {
    return """
        server:
          applicationConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
          adminConnectors: [{type: http, port: %d, bindHost: 127.0.0.1}]
          requestLog: {appenders: []}
        logging:
          level: WARN
          loggers: {dev.kestrel: INFO}
        dataDir: %s
        """
        .formatted(httpPort, adminPort, dataDir);
  }

  /**
   * Fast repairs and webhook retries for tests, the test organization's key, and {@code extraYaml}.
   */
  private static String rest(String extraYaml) {
    return """
        reconcileIntervalSeconds: 1
        webhooks:
          retryInitialIntervalMillis: 2000
          retryMaxIntervalSeconds: 5
          logBatchIntervalMillis: 1000
        bootstrap:
          organization: %s
          apiKey: %s
        limits:
          requestsPerSecondPerOrganization: 100000
          maxActiveRunsPerOrganization: 100000
          # A loop's run writes more than the default 1,000 entries, and its tests read them all.
          maxLogEntriesPerRun: 10000
        %s
        """
        .formatted(TestApps.ORG, TestApps.KEY, extraYaml);
  }

  private void write(String yaml) {
    try {
      Files.writeString(config, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  KestrelProcess start() {
    process = Processes.startJar("512m", JAR, List.of(command, config.toString()), env, log);
    return awaitStarted();
  }

  /**
   * Starts it as the leader of a process group of its own ({@code setsid}), for {@link #killGroup}.
   */
  KestrelProcess startInOwnGroup() {
    process =
        Processes.start(
            setsid(Processes.jarCommand("512m", JAR, List.of(command, config.toString()))),
            env,
            log);
    return awaitStarted();
  }

  /** Runs it to its end (a start that is refused), and returns its exit code. */
  int runToExit(Duration atMost) throws InterruptedException {
    process =
        Processes.start(
            Processes.jarCommand("512m", JAR, List.of(command, config.toString())), env, log);
    if (!process.waitFor(atMost.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      kill();
      throw new AssertionError(command + " did not end within " + atMost + "; log " + log);
    }
    return process.exitValue();
  }

  private static List<String> setsid(List<String> command) {
    List<String> all = new java.util.ArrayList<>(List.of("setsid"));
    all.addAll(command);
    return all;
  }

  /** kill -9 of its whole process group: the JVM and whatever it started in its group. */
  void killGroup() throws Exception {
    new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid()).inheritIO().start().waitFor();
    process.waitFor();
  }

  /** SIGTERM, as an operator's {@code kill} or a service manager's stop, and waits for the end. */
  int terminate(Duration atMost) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(atMost.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          command + " did not stop within " + atMost + " of SIGTERM; log " + log);
    }
    return process.exitValue();
  }

  String adminUrl() {
    return "http://127.0.0.1:" + adminPort;
  }

  /**
   * Starts {@code application} (a test subclass of the application, in the test classes) instead of
   * the jar's own main class, with the jar's libraries.
   */
  KestrelProcess start(Class<?> application) {
    process =
        Processes.startMain(
            "512m",
            List.of(JAR, TEST_CLASSES),
            application.getName(),
            List.of(command, config.toString()),
            env,
            log);
    return awaitStarted();
  }

  private KestrelProcess awaitStarted() {
    Ports.awaitOpen(adminPort, Duration.ofSeconds(90), process, command + " (log " + log + ")");
    return this;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** kill -9, and the browsers it started with it. */
  void kill() {
    Processes.killTree(process);
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    kill();
  }
}
