package dev.kestrel.activities.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kestrel.activities.egress.EgressPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One attempt against a receiver on 127.0.0.1: what counts as delivered, and what is refused. */
class WebhookSenderTest {
  HttpServer receiver;
  final List<String> paths = new CopyOnWriteArrayList<>();
  final WebhookSender sender =
      new WebhookSender(new EgressPolicy(true, false), Duration.ofSeconds(1));

  @BeforeEach
  void startReceiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.setExecutor(Executors.newCachedThreadPool());
    receiver.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          paths.add(path);
          exchange.getRequestBody().readAllBytes();
          switch (path) {
            case "/ok" -> exchange.sendResponseHeaders(204, -1);
            case "/redirect" -> {
              exchange.getResponseHeaders().add("Location", "/ok");
              exchange.sendResponseHeaders(302, -1);
            }
            case "/slow" -> {
              try {
                Thread.sleep(3_000);
              } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
              }
              exchange.sendResponseHeaders(200, -1);
            }
            default -> exchange.sendResponseHeaders(500, -1);
          }
          exchange.close();
        });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  private WebhookSender.Result send(String path) {
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    return sender.send(
        url, Map.of("content-type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aNameThatDoesNotResolveIsAFailedAttemptToRetryNotARefusal() {
    WebhookSender.Result result =
        sender.send(
            "http://no-such-host.invalid/hook", Map.of(), "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(result.refused()).isFalse();
    assertThat(result.statusCode()).isNull();
    assertThat(result.error()).contains("does not resolve");
  }

  @Test
  void a2xxIsDelivered() {
    WebhookSender.Result result = send("/ok");
    assertThat(result.delivered()).isTrue();
    assertThat(result.statusCode()).isEqualTo(204);
    assertThat(result.error()).isNull();
  }

  @Test
  void aRedirectIsNotFollowedAndFailsTheAttempt() {
    WebhookSender.Result result = send("/redirect");
    assertThat(result.delivered()).isFalse();
    assertThat(result.statusCode()).isEqualTo(302);
    assertThat(paths).containsExactly("/redirect");
  }

  @Test
  void aServerErrorFails() {
    assertThat(send("/boom").error()).isEqualTo("HTTP 500");
  }

  @Test
  void aSlowReceiverIsCutOffAtTheTimeout() {
    WebhookSender.Result result = send("/slow");
    assertThat(result.delivered()).isFalse();
    assertThat(result.statusCode()).isNull();
    assertThat(result.error()).contains("no answer within 1 s");
  }

  @Test
  void aRefusedConnectionFails() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    WebhookSender.Result result =
        sender.send("http://127.0.0.1:" + closedPort + "/", Map.of(), new byte[0]);
    assertThat(result.delivered()).isFalse();
    assertThat(result.refused()).isFalse();
    assertThat(result.error()).isEqualTo("connection refused or unreachable");
  }

  @Test
  void cloudMetadataAndDisallowedRangesAreRefusedWithoutConnecting() {
    WebhookSender.Result metadata =
        sender.send("http://169.254.169.254/latest/meta-data/", Map.of(), new byte[0]);
    assertThat(metadata.refused()).isTrue();
    assertThat(metadata.error()).contains("169.254.169.254").contains("always refused");

    WebhookSender.Result privateRange = sender.send("http://10.1.2.3/hook", Map.of(), new byte[0]);
    assertThat(privateRange.refused()).isTrue();
    assertThat(privateRange.error()).contains("private address");
  }
}
