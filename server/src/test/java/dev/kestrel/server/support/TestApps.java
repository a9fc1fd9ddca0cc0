package dev.kestrel.server.support;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kestrel.client.KestrelClient;
import dev.kestrel.engine.TemporalSettings;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.Installation;
import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.store.InputLinks;
import dev.kestrel.store.Sealer;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.dropwizard.request.logging.LogbackAccessRequestLogFactory;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The product as the integration tests start it: the IN_MEMORY engine, ephemeral ports, a fresh
 * data folder.
 */
public final class TestApps {
  public static final String ORG = "org-one";
  public static final String KEY = "sk_live_org-one-test-key-00000000";

  /** Input links signed with a key of the tests' own, for services built without an app. */
  public static final InputLinks LINKS =
      new InputLinks(new Sealer(java.util.Map.of("test", new byte[32])));

  /** The sealer of the tests' stores. */
  public static final Sealer SEALER = new Sealer(java.util.Map.of("test", new byte[32]));

  /** The upload files of {@code store}, sealed with {@link #SEALER}. */
  public static dev.kestrel.server.core.UploadIntake uploads(dev.kestrel.store.Store store) {
    return new dev.kestrel.server.core.UploadIntake(
        store.uploadFiles(SEALER), new com.fasterxml.jackson.databind.ObjectMapper(), 1024 * 1024);
  }

  private TestApps() {}

  private static SharedApp shared;

  /**
   * The application shared by the integration tests that need nothing of their own (see {@link
   * SharedApp}).
   */
  public static synchronized DropwizardAppExtension<KestrelConfiguration> shared() {
    if (shared == null) {
      shared = new SharedApp(config(config -> {}));
    }
    return shared;
  }

  /**
   * An application of the test class's own, stopped after it: for tests that configure it or count
   * everything in it.
   */
  public static DropwizardAppExtension<KestrelConfiguration> app() {
    return app(config -> {});
  }

  public static DropwizardAppExtension<KestrelConfiguration> app(
      Consumer<KestrelConfiguration> tweak) {
    return new DropwizardAppExtension<>(TestKestrelApplication.class, config(tweak));
  }

  private static KestrelConfiguration config(Consumer<KestrelConfiguration> tweak) {
    KestrelConfiguration config = new KestrelConfiguration();
    DefaultServerFactory server = new DefaultServerFactory();
    server.setApplicationConnectors(List.of(http()));
    server.setAdminConnectors(List.of(http()));
    // Keep the test output readable: no access log line per request.
    LogbackAccessRequestLogFactory requestLog = new LogbackAccessRequestLogFactory();
    requestLog.setAppenders(List.of());
    server.setRequestLogFactory(requestLog);
    config.setServerFactory(server);
    try {
      config.dataDir(Files.createTempDirectory("kestrel-test-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    config.bootstrap().set(ORG, KEY);
    // The fast engine for tests; the durable default (LOCAL) has system tests of its own.
    config.temporal().mode(TemporalSettings.Mode.IN_MEMORY);
    // Tests fire requests faster than any client should; the fair-share tests set their own caps.
    config.limits().fairShare(100, 100_000, 100_000);
    tweak.accept(config);
    return config;
  }

  private static HttpConnectorFactory http() {
    HttpConnectorFactory connector = new HttpConnectorFactory();
    connector.setPort(0);
    connector.setBindHost("127.0.0.1");
    return connector;
  }

  public static ApiClient api(DropwizardAppExtension<KestrelConfiguration> app) {
    return new ApiClient("http://127.0.0.1:" + app.getLocalPort(), KEY);
  }

  /**
   * The Java client (module {@code client}) on a server, as a Java backend uses it; every answer it
   * gets is checked against the OpenAPI document too.
   */
  public static KestrelClient client(String baseUrl) {
    return KestrelClient.builder(URI.create(baseUrl), KEY)
        .requestTimeout(Duration.ofSeconds(90))
        .observer(
            e ->
                OpenApiContract.get().check(e.method(), e.uri(), e.status(), e.headers(), e.body()))
        .build();
  }

  /** Polls the run through the Java client until it executes step {@code step} (1-based). */
  public static Run awaitStep(KestrelClient client, String runId, int step, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> client.getRun(runId),
            r -> r.progress() != null && r.progress().currentStep() == step);
  }

  /** {@link #createOrderTask(ApiClient, String, String, long)} through the Java client. */
  public static String createOrderTask(
      KestrelClient client, String name, String orderPageUrl, long pauseMs) {
    return client.createTask(orderTaskJson(name, orderPageUrl, pauseMs)).id();
  }

  /** What the application under test installed: its store, engine, organizations and workers. */
  public static Installation installed(DropwizardAppExtension<KestrelConfiguration> app) {
    return app.<TestKestrelApplication>getApplication().installation();
  }

  /** The run's workflow history in its text form, which shows payloads as the JSON they hold. */
  public static String history(DropwizardAppExtension<KestrelConfiguration> app, String runId) {
    return installed(app).engine().apiClient().fetchHistory("run-" + runId).getHistory().toString();
  }

  /**
   * A task that opens {@code url} and counts {@code rounds} rounds of a loop in the page's storage,
   * which checkpoints keep: its output {@code n} is the count, exact only when no round ran twice
   * or was left out (SPEC 11).
   */
  public static String countingLoopTask(String name, String url, int rounds) {
    return """
        {"name": "%s", "timeoutSeconds": 3600, "steps": [
           {"id": "open", "action": "goto", "url": "%s"},
           {"id": "rounds", "action": "repeat", "max": %d, "steps": [
             {"id": "count", "action": "evaluate",
              "expression": "localStorage.n = String(Number(localStorage.n || 0) + 1)"},
             {"id": "read", "action": "evaluate", "expression": "Number(localStorage.n)",
              "output": "n"}
           ]}
         ]}
        """
        .formatted(name, url, rounds);
  }

  /** Creates a task and returns its id. */
  public static String createTask(ApiClient api, String definitionJson) {
    ApiClient.Answer answer = api.post("/public/v1/tasks", definitionJson);
    if (answer.status() != 201) {
      throw new AssertionError("task not created: " + answer.status() + " " + answer.raw().body());
    }
    return answer.json().at("/task/id").asText();
  }

  /**
   * The order lookup most tests drive, 5 steps: open {@code orderPageUrl}, pause {@code pauseMs},
   * fill {@code #order} with {@code {{inputs.orderId}}} (default 48219), submit, extract {@code
   * #status} into the output {@code status}. Returns the task's id.
   */
  public static String createOrderTask(
      ApiClient api, String name, String orderPageUrl, long pauseMs) {
    return createTask(api, orderTaskJson(name, orderPageUrl, pauseMs));
  }

  private static String orderTaskJson(String name, String orderPageUrl, long pauseMs) {
    return """
        {"name": "%s", "inputs": {"orderId": {"type": "string", "default": "48219"}},
         "steps": [
           {"id": "open", "action": "goto", "url": "%s"},
           {"id": "pause", "action": "waitFor", "ms": %d},
           {"id": "search", "action": "fill", "selector": "#order", "value": "{{inputs.orderId}}"},
           {"id": "submit", "action": "click", "selector": "button[type=submit]"},
           {"id": "read", "action": "extract", "selector": "#status", "output": "status"}
         ]}
        """
        .formatted(name, orderPageUrl, pauseMs);
  }

  /** Queues a run and returns its id. */
  public static String queue(ApiClient api, String taskId, String body) {
    ApiClient.Answer answer = api.post("/public/v1/tasks/" + taskId + "/runs", body);
    if (answer.status() != 202) {
      throw new AssertionError("run not queued: " + answer.status() + " " + answer.raw().body());
    }
    return answer.json().at("/run/id").asText();
  }

  public static JsonNode run(ApiClient api, String runId) {
    return api.get("/public/v1/task-runs/" + runId).json().get("run");
  }

  private static final Set<String> TERMINAL = Set.of("COMPLETED", "FAILED", "CANCELLED");

  /** Polls the run until it is terminal, and returns it. */
  public static JsonNode awaitTerminal(ApiClient api, String runId, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> run(api, runId), r -> TERMINAL.contains(r.get("status").asText()));
  }

  /** Polls the run until it executes step {@code step} (1-based), and returns it. */
  public static JsonNode awaitStep(ApiClient api, String runId, int step, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> run(api, runId), r -> r.at("/progress/currentStep").asInt() == step);
  }

  /** Polls the run until an input step makes it wait, and returns it. */
  public static JsonNode awaitWaiting(ApiClient api, String runId, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> run(api, runId), r -> r.hasNonNull("waitingFor"));
  }

  public static JsonNode awaitStatus(ApiClient api, String runId, String status, Duration atMost) {
    return await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> run(api, runId), r -> status.equals(r.get("status").asText()));
  }
}
