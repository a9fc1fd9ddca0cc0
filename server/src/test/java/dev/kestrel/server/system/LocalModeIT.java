package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.client.KestrelApiException;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.QueuedRun;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.ListeningSockets;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.Ports;
import dev.kestrel.testkit.TestPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The durable default as users run it: {@code java -jar kestrel.jar server} with the LOCAL engine
 * (the Temporal dev server it starts and supervises, SQLite under the data folder), the embedded
 * database and the machine's Chromium, in a process group of its own. Every test restarts or stops
 * it on the same data folder; nothing the tests leave running survives {@link #stopEverything}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalModeIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();

  static Path dir;
  static Path dataDir;
  static String temporalYaml;
  static KestrelProcess server;
  static KestrelClient client;
  static String orderTask;
  static int starts;

  /** Three: two form runs and a loop's run are in their browsers when the server is killed. */
  static final int SLOTS = 3;

  /** The rounds of the loop that is killed in its middle. */
  static final int LOOP_ROUNDS = 400;

  @BeforeAll
  static void startTheDefault() throws Exception {
    dir = Files.createTempDirectory("kestrel-local-");
    dataDir = dir.resolve("data");
    temporalYaml =
        "{mode: LOCAL, local: {port: %d, uiPort: %d}}".formatted(Ports.free(), Ports.free());
    restart();
    orderTask = TestApps.createOrderTask(client, "Order status (local)", PAGES.url("/order"), 2500);
  }

  /** A new server process on the same data folder and engine ports. */
  static void restart() {
    server =
        KestrelProcess.onDataFolder(dir, "server-" + ++starts, dataDir, temporalYaml, 3, SLOTS, "")
            .startInOwnGroup();
    client = TestApps.client(server.baseUrl());
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (server != null) {
      server.killGroup();
    }
    awaitNoTemporalProcess();
  }

  /** The dev servers running on this test's data folder. */
  static List<ProcessHandle> temporalProcesses() {
    String db = dataDir.resolve("temporal").resolve("temporal.db").toString();
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .map(c -> c.contains("start-dev") && c.contains(db))
                    .orElse(false))
        .toList();
  }

  static void awaitNoTemporalProcess() {
    await().atMost(Duration.ofSeconds(20)).until(() -> temporalProcesses().isEmpty());
  }

  /**
   * Queues {@code count} runs with keys {@code prefix-i} and waits until one in every browser slot
   * is mid-run.
   */
  static List<String> queueAndAwaitEverySlotRunning(String prefix, int count) {
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      runs.add(client.queueRun(orderTask, request(prefix + "-" + i)).run().id());
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                runs.stream()
                        .map(client::getRun)
                        .filter(
                            r -> r.status() == RunStatus.RUNNING && r.progress().currentStep() >= 2)
                        .count()
                    == SLOTS);
    long pending =
        runs.stream().filter(id -> client.getRun(id).status() == RunStatus.PENDING).count();
    assertThat(pending)
        .as("runs still waiting for a browser slot")
        .isGreaterThanOrEqualTo(count - (long) SLOTS);
    return runs;
  }

  /**
   * Every run COMPLETED with the outputs of its own inputs; a repeat of its request names it again.
   */
  static void assertAllCompletedOnce(String prefix, List<String> runs) {
    for (int i = 0; i < runs.size(); i++) {
      Run run = client.awaitEnd(runs.get(i), Duration.ofSeconds(180));
      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.COMPLETED);
      assertThat(run.outputs())
          .containsExactly(Map.entry("status", "Shipped: " + prefix + "-" + i));
      QueuedRun repeat = client.queueRun(orderTask, request(prefix + "-" + i));
      assertThat(repeat.wasReplayed()).isTrue();
      assertThat(repeat.run().id()).isEqualTo(runs.get(i));
    }
  }

  /** A run of the order task for {@code orderId}, keyed by it. */
  static RunRequest request(String orderId) {
    return RunRequest.withInputs(Map.of("orderId", orderId)).clientRequestId(orderId);
  }

  static String logOf(String runId) {
    return client.logs(runId).stream().map(LogEntry::message).collect(Collectors.joining("\n"));
  }

  @Test
  @Order(1)
  void theDefaultRunsTheEngineItSupervisesAndSaysSoInItsHealth() {
    JsonNode health = new ApiClient(server.adminUrl(), TestApps.KEY).get("/healthcheck").json();
    assertThat(health.at("/temporal/healthy").asBoolean()).isTrue();
    assertThat(health.at("/temporal/message").asText())
        .startsWith("LOCAL engine at 127.0.0.1:")
        .contains("local Temporal server running, pid", "UI http://127.0.0.1:")
        .doesNotContain("\n");
    assertThat(health.at("/browser/healthy").asBoolean()).isTrue();
    assertThat(temporalProcesses()).hasSize(1);
    assertThat(dataDir.resolve("temporal").resolve("temporal.db")).exists();
  }

  @Test
  @Order(1)
  void everyPortTheServerAndItsEngineListenOnIsThisHostsOnly() throws Exception {
    // From the kernel's socket table: the public API (bound to 127.0.0.1 by this test's file), the
    // admin port, the embedded database's auto-server, and the engine's gRPC, HTTP and UI ports.
    Map<Integer, String> ours = ListeningSockets.of(server.pid());
    Map<Integer, String> engine = ListeningSockets.of(temporalProcesses().get(0).pid());
    assertThat(ours).containsKeys(server.httpPort, server.adminPort).hasSizeGreaterThanOrEqualTo(3);
    assertThat(engine).hasSizeGreaterThanOrEqualTo(2);
    assertThat(ours.values()).as("server " + ours).allMatch(ListeningSockets::isLoopback);
    assertThat(engine.values()).as("engine " + engine).allMatch(ListeningSockets::isLoopback);
  }

  /**
   * The durable browser state on the default: a 6-step task that fills and submits a form (the
   * submit marked once), then opens a slow page and waits on it. A run per slot waits in the last
   * step when the server's whole process group is killed; after a start on the same folder every
   * run completes from its checkpoint, each form was opened and submitted exactly once, and no
   * session cookie is anywhere in the data folder: the database, the artifacts, and the Temporal
   * SQLite, which holds the runs' histories.
   *
   * <p>A third run waits for a person's code (an input step) meanwhile: past its hold (3 s here)
   * its page is kept and its slot goes to the form runs. After the restart it still waits, takes
   * the code (a secret, nowhere at rest either) and completes, signed in as before.
   */
  @Test
  @Order(2)
  void aSigkillWhileRunsWaitInTheirLastStepResumesThemWithoutSubmittingAFormTwice()
      throws Exception {
    String formTask =
        client
            .createTask(
                """
                {"name": "Places an order (local)",
                 "inputs": {"orderId": {"type": "string", "required": true}},
                 "steps": [
                   {"id": "login", "action": "goto", "url": "%s"},
                   {"id": "form", "action": "goto", "url": "%s"},
                   {"id": "fill", "action": "fill", "selector": "#name", "value": "{{inputs.orderId}}"},
                   {"id": "submit", "action": "click", "selector": "#place", "once": true},
                   {"id": "placed", "action": "waitFor", "selector": "#placed"},
                   {"id": "slow", "action": "goto", "url": "%s"},
                   {"id": "linger", "action": "waitFor", "ms": 6000}
                 ]}
                """
                    .formatted(PAGES.url("/login"), PAGES.url("/form"), PAGES.url("/slow?ms=200")))
            .id();
    String codeTask =
        client
            .createTask(
                """
                {"name": "Signs in with a code (local)", "steps": [
                  {"id": "login", "action": "goto", "url": "%s"},
                  {"id": "home", "action": "goto", "url": "%s"},
                  {"id": "otp", "action": "input", "prompt": "The code?", "timeoutSeconds": 600,
                   "fields": {"code": {"type": "secret", "pattern": "[0-9]{6}"}}},
                  {"id": "account", "action": "goto", "url": "%s"},
                  {"id": "name", "action": "extract", "selector": "#name", "output": "name"},
                  {"id": "cart", "action": "goto", "url": "%s"},
                  {"id": "type", "action": "fill", "selector": "#note", "value": "{{input.otp.code}}"}
                 ]}
                """
                    .formatted(
                        PAGES.url("/login"),
                        PAGES.url("/home"),
                        PAGES.url("/account"),
                        PAGES.url("/cart")))
            .id();
    String waiting = client.queueRun(codeTask).run().id();
    assertThat(client.awaitWaiting(waiting, Duration.ofSeconds(90)).waitingFor()).isNotNull();
    // A loop's run counts its rounds in the page's storage, which its checkpoints keep: resumed at
    // the right round, it ends with exactly as many as it has rounds.
    String loopTask =
        client
            .createTask(
                TestApps.countingLoopTask(
                    "Counts in a loop (local)", PAGES.url("/tab"), LOOP_ROUNDS))
            .id();
    String loop = client.queueRun(loopTask).run().id();
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      runs.add(
          client
              .queueRun(formTask, RunRequest.withInputs(Map.of("orderId", "form-" + i)))
              .run()
              .id());
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                runs.stream()
                        .map(client::getRun)
                        .allMatch(r -> r.progress() != null && r.progress().currentStep() == 7)
                    && client.getRun(loop).status() == RunStatus.RUNNING
                    && logOf(loop).contains("round 20 › read"));

    server.killGroup();
    awaitNoTemporalProcess();
    restart();

    Run stillWaiting = client.getRun(waiting);
    assertThat(stillWaiting.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(stillWaiting.waitingFor().stepId()).isEqualTo("otp");
    String code = "731054";
    client.submitInput(waiting, "otp", Map.of("code", code));
    for (String runId : runs) {
      Run run = client.awaitEnd(runId, Duration.ofSeconds(180));
      assertThat(run.status()).as(run.toString()).isEqualTo(RunStatus.COMPLETED);
      assertThat(logOf(runId)).contains("resumed at step 7 from the checkpoint of step 6");
    }
    Run counted = client.awaitEnd(loop, Duration.ofSeconds(240));
    assertThat(counted.status()).as(counted.toString()).isEqualTo(RunStatus.COMPLETED);
    assertThat(counted.outputs()).containsEntry("n", LOOP_ROUNDS);
    assertThat(logOf(loop))
        .contains(
            "resumed inside the loop of step 2, from the checkpoint of its last completed step");
    Run answered = client.awaitEnd(waiting, Duration.ofSeconds(180));
    assertThat(answered.status()).as(answered.toString()).isEqualTo(RunStatus.COMPLETED);
    assertThat(answered.outputs()).containsEntry("name", "Ada");
    assertThat(logOf(waiting))
        .contains("Still waiting for input", "resumed at step 4 from the checkpoint of step 3")
        .doesNotContain(code);
    assertThat(PAGES.hits("/submit")).as("each form submitted exactly once").isEqualTo(2);
    assertThat(PAGES.hits("/form")).as("each form page opened exactly once").isEqualTo(2);
    assertThat(PAGES.hits("/login")).isEqualTo(3);

    // Sealed: the session cookies the runs held, and the code, are nowhere at rest.
    for (String sid :
        java.util.stream.Stream.concat(
                PAGES.issuedSessions().stream(), java.util.stream.Stream.of(code))
            .toList()) {
      try (var files = Files.walk(dataDir)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          assertThat(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1))
              .as(file.toString())
              .doesNotContain(sid);
        }
      }
    }
  }

  @Test
  @Order(3)
  void aSigkillOfTheWholeServerLosesNoRunAndLeavesNoEngineBehind() throws Exception {
    List<String> runs = queueAndAwaitEverySlotRunning("kill", 6);

    server.killGroup();
    awaitNoTemporalProcess();
    restart();

    assertAllCompletedOnce("kill", runs);
    assertThat(client.taskRuns(orderTask)).hasSize(6);
    assertThat(
            runs.stream()
                .map(LocalModeIT::logOf)
                .filter(
                    l ->
                        l.contains("was lost at step")
                            && l.contains("from the checkpoint of step")
                            && l.contains("; resumed at step")))
        .as("the runs that held a browser (past step 1) say they resumed from their checkpoint")
        .hasSizeGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(4)
  void aSigtermHandsRunsOverAndTheyFinishAfterTheNextStart() throws Exception {
    List<String> runs = queueAndAwaitEverySlotRunning("term", 4);
    // A long poll open as the server stops is answered with the run as it is, or 503 if the
    // embedded database was closed first (issue 28: H2's own shutdown hook closes it at the same
    // time, and it was a 500).
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>> poll =
        http.sendAsync(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        server.baseUrl()
                            + "/public/v1/task-runs/"
                            + runs.get(0)
                            + "?waitForFinish=60"))
                .header("Authorization", "Bearer " + TestApps.KEY)
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    Thread.sleep(500);
    KestrelProcess stopped = server;

    server.terminate(Duration.ofSeconds(90));
    assertThat(poll.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isIn(200, 503);
    assertThat(stopped.log()).doesNotContain("Internal error");
    awaitNoTemporalProcess();
    restart();

    assertAllCompletedOnce("term", runs);
  }

  @Test
  @Order(5)
  void aWebhookDeliveryWaitingAcrossARestartArrives() {
    WebhooksAcrossRestart.assertWaitingEventsArrive(
        client,
        orderTask,
        "/local",
        () -> {
          try {
            server.killGroup();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          awaitNoTemporalProcess();
          restart();
          return client;
        });
  }

  @Test
  @Order(6)
  void opsSeeEveryRunInTheTemporalUiOfTheDefault() throws Exception {
    String runId =
        client.queueRun(orderTask, RunRequest.withInputs(Map.of("orderId", "ui"))).run().id();
    assertThat(client.awaitEnd(runId, Duration.ofSeconds(120)).status())
        .isEqualTo(RunStatus.COMPLETED);
    String health =
        new ApiClient(server.adminUrl(), TestApps.KEY)
            .get("/healthcheck")
            .json()
            .at("/temporal/message")
            .asText();
    String uiUrl = health.substring(health.indexOf("UI ") + 3).split("[,;\\s]")[0];

    TemporalUi.assertShowsRun(uiUrl, orderTask, runId, "Order status (local)", "local-");
  }

  @Test
  @Order(7)
  void anEngineThatDiesIsStartedAgainOnTheSameDatabase() throws Exception {
    ProcessHandle engine = temporalProcesses().get(0);
    engine.destroyForcibly();
    engine.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                temporalProcesses().size() == 1
                    && temporalProcesses().get(0).pid() != engine.pid());
    // The client retries a 503 after its Retry-After; the engine may take longer than those
    // retries.
    String runId =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  try {
                    return client
                        .queueRun(orderTask, RunRequest.withInputs(Map.of("orderId", "again")))
                        .run()
                        .id();
                  } catch (KestrelApiException unavailable) {
                    assertThat(unavailable.status()).isEqualTo(503);
                    return null;
                  }
                },
                id -> id != null);
    assertThat(client.awaitEnd(runId, Duration.ofSeconds(120)).outputs().get("status"))
        .isEqualTo("Shipped: again");
    assertThat(client.taskRuns(orderTask).size())
        .as("runs before it died are kept")
        .isGreaterThan(10);
    JsonNode health = new ApiClient(server.adminUrl(), TestApps.KEY).get("/healthcheck").json();
    assertThat(health.at("/temporal/message").asText()).contains("restarts 1");
  }

  @Test
  @Order(8)
  void aSecondServerOnTheSameDataFolderIsRefusedWithTheReason() throws Exception {
    KestrelProcess second = KestrelProcess.onDataFolder(dir, "second", dataDir, temporalYaml, "");

    assertThat(second.runToExit(Duration.ofSeconds(90))).isNotZero();
    assertThat(second.log())
        .contains(
            "Kestrel cannot start: dataDir: another Kestrel server is running on the data folder");
    assertThat(temporalProcesses()).as("the first server's engine is untouched").hasSize(1);
    assertThat(client.queueRun(orderTask).run().id()).isNotBlank();
  }

  @Test
  @Order(9)
  void aStoppedServerLeavesNoEngineProcessAndOneLeftByAnEarlierCrashIsStoppedAtTheNextStart()
      throws Exception {
    server.terminate(Duration.ofSeconds(90));
    awaitNoTemporalProcess();
    assertThat(dataDir.resolve("temporal").resolve("temporal.pid")).doesNotExist();

    // A dev server that escaped its death signal (say, the machine's setpriv was missing): started
    // by hand on the folder's database, its pid in the pid file, as our own start leaves it.
    String port = temporalYaml.replaceAll(".*port: (\\d+),.*", "$1");
    Process stale =
        new ProcessBuilder(
                System.getenv().getOrDefault("KESTREL_TEMPORAL_CLI", "temporal"),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                port,
                "--headless",
                "--db-filename",
                dataDir.resolve("temporal").resolve("temporal.db").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stale.log").toFile())
            .start();
    Files.writeString(
        dataDir.resolve("temporal").resolve("temporal.pid"), String.valueOf(stale.pid()));
    Ports.awaitOpen(Integer.parseInt(port), Duration.ofSeconds(60), stale, "the stale dev server");

    restart();
    assertThat(stale.waitFor(30, java.util.concurrent.TimeUnit.SECONDS))
        .as("the stale one was stopped")
        .isTrue();
    assertThat(
            client
                .awaitEnd(client.queueRun(orderTask).run().id(), Duration.ofSeconds(120))
                .status())
        .isEqualTo(RunStatus.COMPLETED);

    server.terminate(Duration.ofSeconds(90));
    awaitNoTemporalProcess();
    server = null;
  }

  @Test
  @Order(10)
  void aStartThatCannotSucceedSaysWhyInOneMessageNamingTheSetting() throws Exception {
    // The engine's own refusals (no CLI, a busy port, an engine that never listens) are unit tests
    // of LocalTemporalServer; here, that the process prints such a refusal alone and exits.
    Path notAFolder = Files.writeString(dir.resolve("a-file"), "");
    KestrelProcess unwritable =
        KestrelProcess.onDataFolder(
            dir, "unwritable", notAFolder.resolve("data"), "{mode: IN_MEMORY}", "");
    assertThat(unwritable.runToExit(Duration.ofSeconds(90))).isNotZero();
    assertThat(unwritable.log())
        .contains(
            "Kestrel cannot start: dataDir: the data folder "
                + notAFolder.resolve("data")
                + " cannot be written")
        .doesNotContain("\tat ");
    assertThat(temporalProcesses()).isEmpty();
  }
}
