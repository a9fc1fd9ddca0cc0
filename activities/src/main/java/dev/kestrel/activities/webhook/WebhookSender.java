package dev.kestrel.activities.webhook;

import dev.kestrel.activities.egress.EgressPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/**
 * Sends one webhook request: egress policy first, a bounded timeout, redirects not followed (a
 * 3xx is a failed attempt), and only a 2xx counts as delivered.
 */
public final class WebhookSender {
  private final HttpClient client;
  private final EgressPolicy egress;
  private final Duration timeout;

  public WebhookSender(EgressPolicy egress, Duration timeout) {
    this.egress = egress;
    this.timeout = timeout;
    this.client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            // Plain HTTP/1.1: an h2c upgrade attempt confuses some receivers.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
  }

  /** What came of one attempt; {@code statusCode} is null when no response came. */
  public record Result(Integer statusCode, String error, boolean refused, long durationMs) {
    public boolean delivered() {
      return statusCode != null && statusCode >= 200 && statusCode < 300;
    }
  }

  public Result send(String url, Map<String, String> headers, byte[] body) {
    long start = System.nanoTime();
    String refusal = egress.refusal(url);
    if (refusal != null) {
      return new Result(null, "refused: " + refusal, true, 0);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    try {
      HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      String error = status >= 200 && status < 300 ? null : "HTTP " + status;
      return new Result(status, error, false, millisSince(start));
    } catch (HttpTimeoutException e) {
      return new Result(null, "no answer within " + timeout.toSeconds() + " s", false, millisSince(start));
    } catch (ConnectException e) {
      return new Result(null, "connection refused or unreachable", false, millisSince(start));
    } catch (IOException e) {
      return new Result(null, describe(e), false, millisSince(start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(null, "interrupted", false, millisSince(start));
    }
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
