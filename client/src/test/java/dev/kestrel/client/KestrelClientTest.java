package dev.kestrel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kestrel.model.LogLevel;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.api.LogEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against a stub server on 127.0.0.1 that answers as the API would, or fails as a
 * network does.
 */
class KestrelClientTest {
  private static final String RUN_ID = "9c77d908-7bf4-4e7f-9a20-2c5e7fdf2e94";
  private static final String TASK_ID = "79c6b1aa-24d1-45b3-8c94-9a2e2a2f55bc";

  private HttpServer server;
  private final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void route(String path, Consumer<HttpExchange> handler) {
    server.createContext(
        path,
        exchange -> {
          requests.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI()
                  + (exchange.getRequestHeaders().containsKey("Last-Event-ID")
                      ? " Last-Event-ID=" + exchange.getRequestHeaders().getFirst("Last-Event-ID")
                      : ""));
          try {
            handler.accept(exchange);
          } finally {
            exchange.close();
          }
        });
  }

  private KestrelClient client(Consumer<KestrelClient.Builder> tweak) {
    KestrelClient.Builder b =
        KestrelClient.builder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "sk_live_test")
            .maxRetryWait(Duration.ofSeconds(2));
    tweak.accept(b);
    return b.build();
  }

  private static void answer(
      HttpExchange exchange, int status, String json, Map<String, String> headers) {
    try {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        exchange.getResponseBody().write(body);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String run(String status) {
    return """
        {"id": "%s", "taskId": "%s", "status": "%s", "triggerType": "api",
         "timestamps": {"createdAt": "2025-10-14T18:21:52.123Z", "startedAt": null, "finishedAt": null},
         "progress": null, "inputs": {}, "outputs": {}, "logsUrl": null, "error": null, "cancelReason": null,
         "aFieldOfALaterVersion": true}"""
        .formatted(RUN_ID, TASK_ID, status);
  }

  private static String logEntry(String id, String message) {
    return "{\"id\": \""
        + id
        + "\", \"timestamp\": \"2025-10-14T18:21:52.123Z\", \"level\": \"info\", \"message\": \""
        + message
        + "\", \"nodeId\": \"open\"}";
  }

  @Test
  void queueSendsTheKeyAndBodyAndTellsAReplayApart() {
    AtomicInteger calls = new AtomicInteger();
    List<String> bodies = new ArrayList<>();
    route(
        "/public/v1/tasks/" + TASK_ID + "/runs",
        exchange -> {
          try {
            bodies.add(
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          assertThat(exchange.getRequestHeaders().getFirst("Authorization"))
              .isEqualTo("Bearer sk_live_test");
          boolean first = calls.getAndIncrement() == 0;
          answer(
              exchange,
              first ? 202 : 200,
              "{\"run\": " + run("PENDING") + "}",
              first ? Map.of() : Map.of("Idempotent-Replayed", "true"));
        });
    KestrelClient client = client(b -> {});
    RunRequest request =
        RunRequest.withInputs(Map.of("url", "https://example.com")).clientRequestId("order-1");

    QueuedRun first = client.queueRun(TASK_ID, request);
    QueuedRun again = client.queueRun(TASK_ID, request);

    assertThat(first.wasReplayed()).isFalse();
    assertThat(first.run().status()).isEqualTo(RunStatus.PENDING);
    assertThat(again.wasReplayed()).isTrue();
    assertThat(again.run().id()).isEqualTo(RUN_ID);
    assertThat(bodies.get(0))
        .contains("\"clientRequestId\":\"order-1\"")
        .contains("\"url\":\"https://example.com\"");
  }

  @Test
  void errorsCarryStatusDetailAndCode() {
    route(
        "/public/v1/task-runs/" + RUN_ID,
        exchange -> answer(exchange, 404, "{\"detail\": \"run_not_found\"}", Map.of()));
    route(
        "/public/v1/tasks/" + TASK_ID + "/runs",
        exchange ->
            answer(
                exchange,
                400,
                "{\"detail\": [{\"loc\": [\"body\", \"inputs\", \"url\"], \"msg\": \"required\", \"type\": \"missing\"}]}",
                Map.of()));
    KestrelClient client = client(b -> {});

    assertThatThrownBy(() -> client.getRun(RUN_ID))
        .isInstanceOfSatisfying(
            KestrelApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.code()).isEqualTo("run_not_found");
            });
    assertThatThrownBy(() -> client.queueRun(TASK_ID))
        .isInstanceOfSatisfying(
            KestrelApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.code()).isEqualTo("validation_error");
              assertThat(e.detail().get(0).at("/loc/2").asText()).isEqualTo("url");
            });
  }

  @Test
  void a503IsRetriedAfterItsRetryAfter() {
    AtomicInteger calls = new AtomicInteger();
    List<Long> at = new ArrayList<>();
    route(
        "/public/v1/tasks/" + TASK_ID + "/runs",
        exchange -> {
          at.add(System.nanoTime());
          if (calls.getAndIncrement() < 2) {
            answer(
                exchange, 503, "{\"detail\": \"queue_unavailable\"}", Map.of("Retry-After", "1"));
          } else {
            answer(exchange, 202, "{\"run\": " + run("PENDING") + "}", Map.of());
          }
        });
    List<Integer> observed = new ArrayList<>();

    QueuedRun queued = client(b -> b.observer(e -> observed.add(e.status()))).queueRun(TASK_ID);

    assertThat(queued.run().id()).isEqualTo(RUN_ID);
    assertThat(calls.get()).isEqualTo(3);
    assertThat(observed).containsExactly(503, 503, 202);
    // Retry-After: 1 was honoured between the attempts (a lower bound, never an upper one).
    assertThat(Duration.ofNanos(at.get(1) - at.get(0)))
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
  }

  @Test
  void a503BeyondTheRetriesIsThrownWithItsRetryAfter() {
    route(
        "/public/v1/task-runs/" + RUN_ID,
        exchange ->
            answer(
                exchange, 503, "{\"detail\": \"queue_unavailable\"}", Map.of("Retry-After", "1")));

    assertThatThrownBy(() -> client(b -> b.maxRetries(1)).getRun(RUN_ID))
        .isInstanceOfSatisfying(
            KestrelApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
            });
    assertThat(requests).hasSize(2);
  }

  @Test
  void aConnectionErrorIsRetriedOnlyForCallsSafeToRepeat() throws IOException {
    // A port nothing listens on: every attempt is refused.
    int closedPort;
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    List<Duration> waits = new ArrayList<>();
    KestrelClient client =
        KestrelClient.builder(URI.create("http://127.0.0.1:" + closedPort), "sk_live_test")
            .maxRetries(2)
            .build();

    long started = System.nanoTime();
    assertThatThrownBy(() -> client.getRun(RUN_ID))
        .isInstanceOf(KestrelException.class)
        .isNotInstanceOf(KestrelApiException.class)
        .hasMessageContaining("failed");
    waits.add(Duration.ofNanos(System.nanoTime() - started));
    started = System.nanoTime();
    assertThatThrownBy(() -> client.queueRun(TASK_ID)).isInstanceOf(KestrelException.class);
    waits.add(Duration.ofNanos(System.nanoTime() - started));

    // The GET backed off twice (200 + 400 ms); the queue without clientRequestId never retried.
    assertThat(waits.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    assertThat(waits.get(1)).isLessThan(waits.get(0));
  }

  @Test
  void aSlowAnswerTimesOut() {
    route(
        "/public/v1/task-runs/" + RUN_ID,
        exchange -> {
          try {
            Thread.sleep(3_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });

    assertThatThrownBy(() -> client(b -> b.requestTimeout(Duration.ofMillis(300))).getRun(RUN_ID))
        .isInstanceOf(KestrelException.class)
        .hasCauseInstanceOf(HttpTimeoutException.class)
        .hasMessageContaining("no answer within");
    assertThat(requests)
        .hasSize(1); // A timeout is not retried: the server may still be working on it.
  }

  @Test
  void awaitEndRepeatsWaitForFinishUntilTheRunEnds() {
    AtomicInteger calls = new AtomicInteger();
    route(
        "/public/v1/task-runs/" + RUN_ID,
        exchange -> {
          assertThat(exchange.getRequestURI().getQuery()).startsWith("waitForFinish=");
          // A long wait's answer starts with keep-alive spaces; the JSON follows.
          answer(
              exchange,
              200,
              "   {\"run\": " + run(calls.incrementAndGet() < 3 ? "RUNNING" : "COMPLETED") + "}",
              Map.of());
        });

    assertThat(client(b -> {}).awaitEnd(RUN_ID, Duration.ofMinutes(5)).status())
        .isEqualTo(RunStatus.COMPLETED);
    assertThat(calls.get()).isEqualTo(3);
    assertThat(requests).allMatch(r -> r.contains("waitForFinish=60"));
  }

  @Test
  void theLogStreamResumesAfterTheLastEntryWhenTheConnectionDrops() {
    String first = "00000000-0000-4000-8000-000000000001";
    String second = "00000000-0000-4000-8000-000000000002";
    String third = "00000000-0000-4000-8000-000000000003";
    AtomicInteger connections = new AtomicInteger();
    route(
        "/public/v1/task-runs/" + RUN_ID + "/logs",
        exchange -> {
          if (connections.incrementAndGet() == 1) {
            // Two entries, then the connection is cut in the middle of a frame.
            writeEvents(
                exchange,
                ": keep-alive\n\n"
                    + "event: run\ndata: "
                    + run("RUNNING").replace("\n", "")
                    + "\n\n"
                    + "event: log\nid: "
                    + first
                    + "\ndata: "
                    + logEntry(first, "one")
                    + "\n\n"
                    + "event: log\nid: "
                    + second
                    + "\ndata: "
                    + logEntry(second, "two")
                    + "\n\n"
                    + "event: log\nid: "
                    + third);
          } else {
            writeEvents(
                exchange,
                "event: log\nid: "
                    + third
                    + "\ndata: "
                    + logEntry(third, "three")
                    + "\n\n"
                    + "event: run\ndata: "
                    + run("COMPLETED").replace("\n", "")
                    + "\n\n"
                    + "event: end\ndata: {}\n\n");
          }
        });

    List<RunEvent> events = client(b -> {}).followRun(RUN_ID, null).collect(Collectors.toList());

    assertThat(events).hasSize(5);
    assertThat(
            events.stream()
                .filter(e -> e instanceof RunEvent.Log)
                .map(e -> ((RunEvent.Log) e).entry().message()))
        .containsExactly("one", "two", "three");
    assertThat(((RunEvent.RunChanged) events.get(4)).run().status()).isEqualTo(RunStatus.COMPLETED);
    LogEntry one = ((RunEvent.Log) events.get(1)).entry();
    assertThat(one.level()).isEqualTo(LogLevel.INFO);
    assertThat(requests).hasSize(2);
    assertThat(requests)
        .last()
        .asString()
        .contains("after=" + second)
        .contains("Last-Event-ID=" + second);
  }

  /**
   * Issue 28: the soak's clients met an NPE when a stream's first connection was answered 503 (a
   * server restarting): the stream connects again and goes on.
   */
  @Test
  void theLogStreamConnectsAgainAfterA503() {
    AtomicInteger connections = new AtomicInteger();
    route(
        "/public/v1/task-runs/" + RUN_ID + "/logs",
        exchange -> {
          if (connections.incrementAndGet() == 1) {
            answer(exchange, 503, "{\"detail\": \"store_unavailable\"}", Map.of());
            return;
          }
          writeEvents(
              exchange,
              "event: run\ndata: "
                  + run("COMPLETED").replace("\n", "")
                  + "\n\n"
                  + "event: end\ndata: {}\n\n");
        });

    List<RunEvent> events = client(b -> {}).followRun(RUN_ID, null).collect(Collectors.toList());

    assertThat(events).singleElement().isInstanceOf(RunEvent.RunChanged.class);
    assertThat(connections).hasValue(2);
  }

  @Test
  void theLogStreamGivesUpOnAnErrorAnswer() {
    route(
        "/public/v1/task-runs/" + RUN_ID + "/logs",
        exchange -> answer(exchange, 404, "{\"detail\": \"run_not_found\"}", Map.of()));

    assertThatThrownBy(() -> client(b -> {}).followRun(RUN_ID, null).toList())
        .isInstanceOfSatisfying(
            KestrelApiException.class, e -> assertThat(e.code()).isEqualTo("run_not_found"));
  }

  /** Answers as a server-sent event stream that writes these frames and ends. */
  private static void writeEvents(HttpExchange exchange, String frames) {
    try {
      exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write(frames.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
