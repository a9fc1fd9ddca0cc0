package dev.kestrel.server.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kestrel.client.KestrelApiException;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.client.KestrelException;
import dev.kestrel.client.RunRequest;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.store.TestStore;
import dev.kestrel.testkit.TemporalDevServer;
import dev.kestrel.testkit.TestPages;
import dev.kestrel.workflows.RunSearchAttributes;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The external mode as users run it: a real Temporal server (the CLI's dev server), PostgreSQL, an
 * API process without a worker and two worker processes, all separate JVMs driven over HTTP. Every
 * process is ended in {@link #stopEverything}, also when a test fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalModeIT {
  @RegisterExtension static final TestPages PAGES = new TestPages();
  static final Pattern OPENED_ON = Pattern.compile("Browser session opened on worker (\\S+), slot");

  static Path dir;
  static TemporalDevServer temporal;
  static String databaseUrl;
  static KestrelProcess api;
  static final List<KestrelProcess> workers = new ArrayList<>();
  static KestrelClient client;
  static WorkflowServiceStubs service;
  static WorkflowClient temporalClient;
  static String orderTask;

  @BeforeAll
  static void startEverything() throws Exception {
    dir = Files.createTempDirectory("kestrel-system-");
    temporal = new TemporalDevServer(dir).start();
    databaseUrl = TestStore.newPostgresDatabase();
    api = new KestrelProcess("server", dir, "api", temporal.target(), databaseUrl, "").start();
    workers.add(worker("worker-1"));
    workers.add(worker("worker-2"));
    client = TestApps.client(api.baseUrl());
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
    temporalClient = WorkflowClient.newInstance(service);
    orderTask = TestApps.createOrderTask(client, "Order status (system)", PAGES.url("/order"), 300);
  }

  static KestrelProcess worker(String name) {
    return new KestrelProcess("worker", dir, name, temporal.target(), databaseUrl, "").start();
  }

  @AfterAll
  static void stopEverything() {
    workers.forEach(KestrelProcess::close);
    if (api != null) {
      api.close();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (temporal != null) {
      temporal.close();
    }
  }

  @Test
  @Order(1)
  void twentyRunsAreSharedByBothWorkersAndTheirSearchAttributesEndWithTheirStatus() {
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      runs.add(
          client
              .queueRun(orderTask, RunRequest.withInputs(Map.of("orderId", String.valueOf(i))))
              .run()
              .id());
    }
    Set<String> workerIds = new HashSet<>();
    for (int i = 0; i < runs.size(); i++) {
      Run run = client.awaitEnd(runs.get(i), Duration.ofSeconds(180));
      assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(run.outputs().get("status")).isEqualTo("Shipped: " + i);
      workerIds.addAll(workersOf(runs.get(i)));
    }
    assertThat(workerIds).hasSize(2);

    // Visibility: the finished run's search attributes hold its final status, and ops can filter by
    // task.
    var attributes =
        temporalClient
            .newUntypedWorkflowStub("run-" + runs.get(0))
            .describe()
            .getTypedSearchAttributes();
    assertThat(attributes.get(RunSearchAttributes.STATUS)).isEqualTo("COMPLETED");
    assertThat(attributes.get(RunSearchAttributes.TASK)).isEqualTo(orderTask);
    assertThat(attributes.get(RunSearchAttributes.TRIGGER)).isEqualTo("api");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        temporalClient
                            .listExecutions(
                                "KestrelTaskId = '"
                                    + orderTask
                                    + "' AND KestrelRunStatus = 'COMPLETED'")
                            .count())
                    .isEqualTo(20));
  }

  @Test
  @Order(2)
  void aRunSurvivesKillDashNineOfTheWorkerHoldingItsBrowser() {
    String taskId =
        client
            .createTask(
                """
        {"name": "Survives kill -9",
         "steps": [
           {"id": "open", "action": "goto", "url": "%s"},
           {"id": "long", "action": "waitFor", "ms": 6000},
           {"id": "search", "action": "fill", "selector": "#order", "value": "7"},
           {"id": "submit", "action": "click", "selector": "button[type=submit]"},
           {"id": "read", "action": "extract", "selector": "#status", "output": "status"}
         ]}
        """
                    .formatted(PAGES.url("/order")))
            .id();
    String runId = client.queueRun(taskId).run().id();
    TestApps.awaitStep(client, runId, 2, Duration.ofSeconds(60));
    String holder = workersOf(runId).get(0);
    KestrelProcess victim =
        workers.stream()
            .filter(w -> holder.contains("-" + w.pid() + "-"))
            .findFirst()
            .orElseThrow();

    victim.kill();

    Run run = client.awaitEnd(runId, Duration.ofSeconds(120));
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.outputs()).containsExactly(Map.entry("status", "Shipped: 7"));
    List<String> log = client.logs(runId).stream().map(LogEntry::message).toList();
    assertThat(log).anyMatch(m -> m.contains("Browser session on worker " + holder + " was lost"));
    // Resumed on the other worker from the checkpoint every process can open (one key file in the
    // shared data folder): the step before it did not run again.
    assertThat(log).anyMatch(m -> m.contains("resumed at step 2 from the checkpoint of step 1"));
    assertThat(log)
        .filteredOn(m -> m.startsWith("Step 1/5 ") && m.contains(" done in "))
        .hasSize(1);
    List<String> holders = workersOf(runId);
    assertThat(holders).hasSize(2);
    assertThat(holders.get(1)).isNotEqualTo(holder);
    workers.remove(victim);
    workers.add(worker("worker-3"));
  }

  @Test
  @Order(3)
  void anApiCrashBetweenRecordingAndStartingLosesNothing() {
    KestrelProcess faulty =
        new KestrelProcess("server", dir, "api-faulty", temporal.target(), databaseUrl, "")
            .start(CrashAfterRecordingRun.class);
    try {
      KestrelClient viaFaulty = TestApps.client(faulty.baseUrl());
      String taskId =
          client
              .createTask(
                  "{\"name\": \"Crash\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 10}]}")
              .id();
      RunRequest request = RunRequest.defaults().clientRequestId("crash-once");

      // The connection is cut after the run is recorded; the client's retries find the API gone.
      assertThatThrownBy(() -> viaFaulty.queueRun(taskId, request))
          .isInstanceOf(KestrelException.class)
          .isNotInstanceOf(KestrelApiException.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> !faulty.isAlive());

      KestrelProcess restarted =
          new KestrelProcess("server", dir, "api-restarted", temporal.target(), databaseUrl, "")
              .start();
      try {
        KestrelClient viaRestarted = TestApps.client(restarted.baseUrl());
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(
                () -> {
                  List<Run> runs = viaRestarted.taskRuns(taskId);
                  assertThat(runs).hasSize(1);
                  assertThat(runs.get(0).status()).isEqualTo(RunStatus.COMPLETED);
                });
        assertThat(viaRestarted.queueRun(taskId, request).wasReplayed()).isTrue();
        assertThat(viaRestarted.taskRuns(taskId)).hasSize(1);
      } finally {
        restarted.close();
      }
    } finally {
      faulty.close();
    }
  }

  @Test
  @Order(4)
  void runsInFlightSurviveAnEngineRestartAndNewRunsGet503MeanwhileWithoutARun() {
    String taskId =
        client
            .createTask(
                """
        {"name": "Engine restart",
         "steps": [
           {"id": "open", "action": "goto", "url": "%s"},
           {"id": "long", "action": "waitFor", "ms": 5000},
           {"id": "read", "action": "extract", "selector": "#path", "output": "path"}
         ]}
        """
                    .formatted(PAGES.url("/engine-restart")))
            .id();
    List<String> inFlight =
        List.of(client.queueRun(taskId).run().id(), client.queueRun(taskId).run().id());
    inFlight.forEach(id -> TestApps.awaitStep(client, id, 2, Duration.ofSeconds(60)));

    temporal.kill();
    try {
      // One retry after the 503's Retry-After, refused again: the client gives up with the answer.
      List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
      KestrelClient oneRetry =
          KestrelClient.builder(java.net.URI.create(api.baseUrl()), TestApps.KEY)
              .maxRetries(1)
              .observer(e -> statuses.add(e.status()))
              .build();
      assertThatThrownBy(
              () -> oneRetry.queueRun(taskId, RunRequest.defaults().clientRequestId("while-down")))
          .isInstanceOfSatisfying(
              KestrelApiException.class,
              refused -> {
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.code()).isEqualTo("queue_unavailable");
                assertThat(refused.retryAfter()).isPresent();
              });
      assertThat(statuses).containsExactly(503, 503);
      assertThat(client.taskRuns(taskId)).hasSize(2);
      assertThat(client.getRun(inFlight.get(0)).status()).isEqualTo(RunStatus.RUNNING);
    } finally {
      temporal.start();
    }

    for (String id : inFlight) {
      Run run = client.awaitEnd(id, Duration.ofSeconds(180));
      assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(run.outputs().get("path")).isEqualTo("/engine-restart");
    }
    assertThat(
            client
                .queueRun(taskId, RunRequest.defaults().clientRequestId("while-down"))
                .wasReplayed())
        .isFalse();
  }

  @Test
  @Order(5)
  void opsFindTheRunInTheTemporalUi() throws Exception {
    String runId =
        client.queueRun(orderTask, RunRequest.withInputs(Map.of("orderId", "ui"))).run().id();
    assertThat(client.awaitEnd(runId, Duration.ofSeconds(120)).status())
        .isEqualTo(RunStatus.COMPLETED);
    TemporalUi.assertShowsRun(temporal.uiUrl(), orderTask, runId, "Order status (system)", "");
  }

  /** Issue 4, acceptance 4: webhook events survive a restart of every process, Temporal's too. */
  @Test
  @Order(6)
  void webhookEventsWaitingForADownReceiverSurviveARestartOfEveryProcess() {
    WebhooksAcrossRestart.assertWaitingEventsArrive(
        client,
        orderTask,
        "/durable",
        () -> {
          api.kill();
          workers.forEach(KestrelProcess::kill);
          temporal.kill();
          temporal.start();
          api =
              new KestrelProcess(
                      "server", dir, "api-after-restart", temporal.target(), databaseUrl, "")
                  .start();
          client = TestApps.client(api.baseUrl());
          workers.clear();
          workers.add(worker("worker-4"));
          workers.add(worker("worker-5"));
          return client;
        });
  }

  /** The workers that opened a browser session for the run, in order, from its log. */
  static List<String> workersOf(String runId) {
    List<String> ids = new ArrayList<>();
    for (LogEntry entry : client.logs(runId)) {
      Matcher m = OPENED_ON.matcher(entry.message());
      if (m.find()) {
        ids.add(m.group(1));
      }
    }
    return ids;
  }
}
