package dev.kestrel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The public API as a client uses it. */
final class Api {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String key;

  Api(String base, String key) {
    this.base = base;
    this.key = key;
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), path);
  }

  JsonNode post(String path, String body) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)),
        path);
  }

  /** Polls the run every {@code pollMillis} until it has ended, and returns its final status. */
  String awaitEnd(String runId, long pollMillis, Duration atMost) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      String status = get("/public/v1/task-runs/" + runId).at("/run/status").asText();
      if (!status.equals("PENDING") && !status.equals("RUNNING")) {
        return status;
      }
      Thread.sleep(pollMillis);
    }
    throw new IllegalStateException("run " + runId + " did not end within " + atMost);
  }

  /** A plain GET of any URL (the admin port's ping): the HTTP stack's own floor. */
  void getRaw(String url) throws IOException, InterruptedException {
    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.discarding());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode());
    }
  }

  private JsonNode send(HttpRequest.Builder request, String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(request.header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IOException(path + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
