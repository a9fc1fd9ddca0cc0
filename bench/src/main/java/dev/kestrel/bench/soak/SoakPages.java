package dev.kestrel.bench.soak;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the soak's runs visit and where their webhooks go, on 127.0.0.1: plain pages, heavy and
 * hostile ones (thousands of subresources, a huge DOM, a JavaScript busy loop, a page that
 * allocates until its renderer dies, a popup, a download), and a webhook receiver that answers
 * {@code 500} to every third delivery attempt. It keeps counts, never lists: an hour of requests
 * must not grow the soak's own memory.
 */
final class SoakPages implements AutoCloseable {
  private static final byte[] GIF =
      java.util.Base64.getDecoder()
          .decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

  private final HttpServer server;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong webhookAttempts = new AtomicLong();
  private final AtomicLong webhookRefusals = new AtomicLong();

  /** The runs whose event the receiver answered 2xx, by event: what it really got. */
  private final Map<String, Set<String>> runsByEvent = new ConcurrentHashMap<>();

  SoakPages() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.createContext("/", this::page);
    server.createContext("/hooks", this::webhook);
    server.start();
  }

  String url(String pathAndQuery) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery;
  }

  long requests() {
    return requests.get();
  }

  long webhookAttempts() {
    return webhookAttempts.get();
  }

  long webhookRefusals() {
    return webhookRefusals.get();
  }

  /** Runs whose {@code event} the receiver accepted (answered 2xx) at least once. */
  Set<String> runsWith(String event) {
    return runsByEvent.getOrDefault(event, Set.of());
  }

  private void webhook(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    long n = webhookAttempts.incrementAndGet();
    if (n % 3 == 0) {
      webhookRefusals.incrementAndGet();
      answer(exchange, 500, "text/plain", "refused (every third attempt)".getBytes());
      return;
    }
    String event = exchange.getRequestHeaders().getFirst("x-komos-event");
    String run = exchange.getRequestHeaders().getFirst("x-komos-run-id");
    if (event != null && run != null) {
      runsByEvent.computeIfAbsent(event, e -> ConcurrentHashMap.newKeySet()).add(run);
    }
    answer(exchange, 200, "text/plain", "ok".getBytes());
  }

  private void page(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    String path = exchange.getRequestURI().getPath();
    String query = exchange.getRequestURI().getRawQuery();
    int n = 0;
    if (query != null && query.startsWith("n=")) {
      n = Math.min(Integer.parseInt(query.substring(2)), 200_000);
    }
    String html =
        switch (path) {
          case "/plain" -> "<html><body><p id='status'>ok</p></body></html>";
          case "/heavy" -> {
            // Thousands of subresources, each a request through the worker's egress proxy.
            StringBuilder page = new StringBuilder("<html><body><p id='status'>heavy</p>");
            for (int i = 0; i < n; i++) {
              page.append("<img width=1 height=1 src='/img/").append(i).append(".gif'>");
            }
            yield page.append("</body></html>").toString();
          }
          case "/dom" ->
              // A huge DOM, built by the page itself.
              "<html><body><div id='root'></div><script>const r = document.getElementById('root');"
                  + " for (let i = 0; i < "
                  + n
                  + "; i++) { const d = document.createElement('div'); d.className = 'row';"
                  + " d.textContent = 'row ' + i; r.appendChild(d); }"
                  + " document.body.insertAdjacentHTML('beforeend', \"<p id='status'>\" +"
                  + " document.querySelectorAll('.row').length + '</p>');</script></body></html>";
          case "/busy" ->
              // Loads, then never gives its main thread back.
              "<html><body><p id='status'>busy</p><script>setTimeout(() => { for (;;) {} }, 50);"
                  + "</script></body></html>";
          case "/hog" ->
              // Allocates until its renderer runs out of memory and dies.
              "<html><body><p id='status'>hog</p><script>const keep = []; setInterval(() => {"
                  + " for (let i = 0; i < 20; i++) keep.push(new Array(1 << 20).fill(i)); }, 5);"
                  + "</script></body></html>";
          case "/opener" ->
              "<html><body><a id='open' href='/plain' target='_blank'>open</a>"
                  + "<p id='status'>opener</p></body></html>";
          case "/export" ->
              "<html><body><a id='csv' href='/export.csv' download>Export</a></body></html>";
          default -> null;
        };
    if (html != null) {
      answer(exchange, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    } else if (path.startsWith("/img/")) {
      answer(exchange, 200, "image/gif", GIF);
    } else if (path.equals("/export.csv")) {
      answer(exchange, 200, "text/csv", "sku,price\nA-1,9.99\n".getBytes());
    } else {
      answer(exchange, 404, "text/plain", "not found".getBytes());
    }
  }

  private static void answer(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
