package dev.kestrel.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kestrel.client.WebhookSignatureException;
import dev.kestrel.client.WebhookVerifier;
import dev.kestrel.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A webhook receiver on 127.0.0.1 as a Komos customer would run one: it records every request,
 * answers 200 unless a path was told to answer otherwise, and can be stopped and started again on
 * the same port (a receiver that is down). Signature checking is written here from SPEC 7, apart
 * from the product's signer, so that the two must agree.
 */
public final class WebhookReceiver implements BeforeAllCallback, AfterAllCallback {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as received; header names in lower case. */
  public record Delivery(
      String path, Map<String, String> headers, byte[] body, Instant receivedAt) {
    public String event() {
      return headers.get("x-komos-event");
    }

    public String header(String name) {
      return headers.get(name);
    }

    public String runId() {
      return headers.get("x-komos-run-id");
    }

    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * SPEC 7, checked with the Java client's {@link WebhookVerifier} as a receiver would, at the
     * moment the delivery arrived (its default tolerance on {@code t}: 5 minutes).
     */
    public boolean signatureVerifies(String secret, String pepper) {
      WebhookVerifier verifier =
          new WebhookVerifier(
              secret,
              pepper,
              WebhookVerifier.DEFAULT_TOLERANCE,
              Clock.fixed(receivedAt, ZoneOffset.UTC));
      try {
        verifier.verify(headers.get("x-komos-signature"), body);
        return true;
      } catch (WebhookSignatureException e) {
        return false;
      }
    }

    public String signatureTimestamp() {
      String header = headers.get("x-komos-signature");
      return header.substring(2, header.indexOf(",v1="));
    }
  }

  private final List<Delivery> received = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<Integer>> scripted = new ConcurrentHashMap<>();
  private HttpServer server;
  private int port;

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  /**
   * Starts listening: on a new port the first time (below the ephemeral range, see {@link Ports}),
   * on the same port afterwards, trying again for a while should something have taken it meanwhile.
   */
  public synchronized void start() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        server =
            HttpServer.create(
                new InetSocketAddress("127.0.0.1", port == 0 ? Ports.free() : port), 0);
        break;
      } catch (java.net.BindException taken) {
        if (port == 0 || System.nanoTime() > deadline) {
          throw new UncheckedIOException(taken);
        }
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
    port = server.getAddress().getPort();
  }

  /** Stops listening: connections are refused until {@link #start()}. */
  public synchronized void stop() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  public String url(String path) {
    if (port == 0) {
      throw new IllegalStateException("start the receiver once to get its port");
    }
    return "http://127.0.0.1:" + port + path;
  }

  /** The next answers of {@code path}, in order; after them it answers 200 again. */
  public void answer(String path, Integer... statuses) {
    scripted.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(statuses));
  }

  public List<Delivery> received(String path) {
    return received.stream().filter(d -> d.path().equals(path)).toList();
  }

  public List<Delivery> received(String path, String runId) {
    return received(path).stream().filter(d -> runId.equals(d.runId())).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    Map<String, String> headers = new TreeMap<>();
    exchange
        .getRequestHeaders()
        .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
    String path = exchange.getRequestURI().getPath();
    received.add(new Delivery(path, headers, body, Instant.now()));
    Deque<Integer> script = scripted.get(path);
    Integer status = script == null ? null : script.poll();
    exchange.sendResponseHeaders(status == null ? 200 : status, -1);
    exchange.close();
  }
}
