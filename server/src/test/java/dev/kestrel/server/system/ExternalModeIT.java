package dev.kestrel.server.system;

import dev.kestrel.testkit.TemporalDevServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import dev.kestrel.testkit.TestPages;
import dev.kestrel.store.TestStore;
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
 * The external mode as users run it: a real Temporal server (the CLI's dev server), PostgreSQL,
 * an API process without a worker and two worker processes, all separate JVMs driven over HTTP.
 * Every process is ended in {@link #stopEverything}, also when a test fails.
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
  static ApiClient client;
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
    client = new ApiClient(api.baseUrl(), TestApps.KEY);
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
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
      runs.add(TestApps.queue(client, orderTask, "{\"inputs\": {\"orderId\": \"" + i + "\"}}"));
    }
    Set<String> workerIds = new HashSet<>();
    for (int i = 0; i < runs.size(); i++) {
      JsonNode run = TestApps.awaitTerminal(client, runs.get(i), Duration.ofSeconds(180));
      assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
      assertThat(run.at("/outputs/status").asText()).isEqualTo("Shipped: " + i);
      workerIds.addAll(workersOf(runs.get(i)));
    }
    assertThat(workerIds).hasSize(2);

    // Visibility: the finished run's search attributes hold its final status, and ops can filter by task.
    var attributes = temporalClient.newUntypedWorkflowStub("run-" + runs.get(0)).describe().getTypedSearchAttributes();
    assertThat(attributes.get(RunSearchAttributes.STATUS)).isEqualTo("COMPLETED");
    assertThat(attributes.get(RunSearchAttributes.TASK)).isEqualTo(orderTask);
    assertThat(attributes.get(RunSearchAttributes.TRIGGER)).isEqualTo("api");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(temporalClient.listExecutions("KestrelTaskId = '" + orderTask + "' AND KestrelRunStatus = 'COMPLETED'").count())
            .isEqualTo(20));
  }

  @Test
  @Order(2)
  void aRunSurvivesKillDashNineOfTheWorkerHoldingItsBrowser() {
    String taskId = TestApps.createTask(client, """
        {"name": "Survives kill -9",
         "steps": [
           {"id": "open", "action": "goto", "url": "%s"},
           {"id": "long", "action": "waitFor", "ms": 6000},
           {"id": "search", "action": "fill", "selector": "#order", "value": "7"},
           {"id": "submit", "action": "click", "selector": "button[type=submit]"},
           {"id": "read", "action": "extract", "selector": "#status", "output": "status"}
         ]}
        """.formatted(PAGES.url("/order")));
    String runId = TestApps.queue(client, taskId, "{}");
    TestApps.awaitStep(client, runId, 2, Duration.ofSeconds(60));
    String holder = workersOf(runId).get(0);
    KestrelProcess victim = workers.stream().filter(w -> holder.contains("-" + w.pid() + "-")).findFirst().orElseThrow();

    victim.kill();

    JsonNode run = TestApps.awaitTerminal(client, runId, Duration.ofSeconds(120));
    assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
    assertThat(run.at("/outputs/status").asText()).isEqualTo("Shipped: 7");
    assertThat(run.get("outputs").size()).isEqualTo(1);
    String logs = client.get("/public/v1/task-runs/" + runId + "/logs").raw().body();
    assertThat(logs).contains("Browser session on worker " + holder + " was lost");
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
        new KestrelProcess("server", dir, "api-faulty", temporal.target(), databaseUrl, "").start(CrashAfterRecordingRun.class);
    try {
      ApiClient viaFaulty = new ApiClient(faulty.baseUrl(), TestApps.KEY);
      String taskId = TestApps.createTask(client, "{\"name\": \"Crash\", \"steps\": [{\"id\": \"p\", \"action\": \"waitFor\", \"ms\": 10}]}");
      String body = "{\"clientRequestId\": \"crash-once\"}";

      org.assertj.core.api.Assertions.assertThatThrownBy(() -> viaFaulty.post("/public/v1/tasks/" + taskId + "/runs", body))
          .isInstanceOf(java.io.UncheckedIOException.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> !faulty.isAlive());

      KestrelProcess restarted = new KestrelProcess("server", dir, "api-restarted", temporal.target(), databaseUrl, "").start();
      try {
        ApiClient viaRestarted = new ApiClient(restarted.baseUrl(), TestApps.KEY);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          JsonNode runs = viaRestarted.get("/public/v1/tasks/" + taskId + "/runs").json().get("runs");
          assertThat(runs).hasSize(1);
          assertThat(runs.get(0).get("status").asText()).isEqualTo("COMPLETED");
        });
        ApiClient.Answer repeat = viaRestarted.post("/public/v1/tasks/" + taskId + "/runs", body);
        assertThat(repeat.status()).isEqualTo(200);
        assertThat(viaRestarted.get("/public/v1/tasks/" + taskId + "/runs").json().get("runs")).hasSize(1);
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
    String taskId = TestApps.createTask(client, """
        {"name": "Engine restart",
         "steps": [
           {"id": "open", "action": "goto", "url": "%s"},
           {"id": "long", "action": "waitFor", "ms": 5000},
           {"id": "read", "action": "extract", "selector": "#path", "output": "path"}
         ]}
        """.formatted(PAGES.url("/engine-restart")));
    List<String> inFlight = List.of(TestApps.queue(client, taskId, "{}"), TestApps.queue(client, taskId, "{}"));
    inFlight.forEach(id -> TestApps.awaitStep(client, id, 2, Duration.ofSeconds(60)));

    temporal.kill();
    try {
      ApiClient.Answer refused = client.post("/public/v1/tasks/" + taskId + "/runs", "{\"clientRequestId\": \"while-down\"}");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.json().get("detail").asText()).isEqualTo("queue_unavailable");
      assertThat(refused.header("Retry-After")).matches("\\d+");
      assertThat(client.get("/public/v1/tasks/" + taskId + "/runs").json().get("runs")).hasSize(2);
      ApiClient.Answer read = client.get("/public/v1/task-runs/" + inFlight.get(0));
      assertThat(read.status()).isEqualTo(200);
      assertThat(read.json().at("/run/status").asText()).isEqualTo("RUNNING");
    } finally {
      temporal.start();
    }

    for (String id : inFlight) {
      JsonNode run = TestApps.awaitTerminal(client, id, Duration.ofSeconds(180));
      assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
      assertThat(run.at("/outputs/path").asText()).isEqualTo("/engine-restart");
    }
    assertThat(TestApps.queue(client, taskId, "{\"clientRequestId\": \"while-down\"}")).isNotBlank();
  }

  @Test
  @Order(5)
  void opsFindTheRunInTheTemporalUi() throws Exception {
    String runId = TestApps.queue(client, orderTask, "{\"inputs\": {\"orderId\": \"ui\"}}");
    assertThat(TestApps.awaitTerminal(client, runId, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("COMPLETED");
    TemporalUi.assertShowsRun(temporal.uiUrl(), orderTask, runId, "Order status (system)", "");
  }

  /** Issue 4, acceptance 4: webhook events survive a restart of every process, Temporal's too. */
  @Test
  @Order(6)
  void webhookEventsWaitingForADownReceiverSurviveARestartOfEveryProcess() {
    WebhooksAcrossRestart.assertWaitingEventsArrive(client, orderTask, "/durable", () -> {
      api.kill();
      workers.forEach(KestrelProcess::kill);
      temporal.kill();
      temporal.start();
      api = new KestrelProcess("server", dir, "api-after-restart", temporal.target(), databaseUrl, "").start();
      client = new ApiClient(api.baseUrl(), TestApps.KEY);
      workers.clear();
      workers.add(worker("worker-4"));
      workers.add(worker("worker-5"));
      return client;
    });
  }

  /** The workers that opened a browser session for the run, in order, from its log. */
  static List<String> workersOf(String runId) {
    List<String> ids = new ArrayList<>();
    for (JsonNode entry : client.get("/public/v1/task-runs/" + runId + "/logs").json().get("logEntries")) {
      Matcher m = OPENED_ON.matcher(entry.get("message").asText());
      if (m.find()) {
        ids.add(m.group(1));
      }
    }
    return ids;
  }
}
