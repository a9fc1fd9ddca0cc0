package dev.kestrel.bench;

import dev.kestrel.client.KestrelClient;
import dev.kestrel.model.RunStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** How the benchmark watches a run: the way a polling client does, at a set interval. */
final class Polling {
  private static final HttpClient PLAIN =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Polling() {}

  /**
   * Polls the run every {@code pollMillis} until it has ended, and returns its final status. Not
   * {@link KestrelClient#awaitEnd}: the bench measures what a polling client sees and costs.
   */
  static RunStatus awaitEnd(KestrelClient api, String runId, long pollMillis, Duration atMost)
      throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (System.nanoTime() < deadline) {
      RunStatus status = api.getRun(runId).status();
      if (status.isTerminal()) {
        return status;
      }
      Thread.sleep(pollMillis);
    }
    throw new IllegalStateException("run " + runId + " did not end within " + atMost);
  }

  /** A plain GET of any URL (the admin port's ping): the HTTP stack's own floor. */
  static void getPlain(String url) throws IOException, InterruptedException {
    HttpResponse<Void> r =
        PLAIN.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.discarding());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode());
    }
  }
}
