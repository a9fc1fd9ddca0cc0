package dev.kestrel.activities.webhook;

import dev.kestrel.activities.egress.EgressPolicy;
import dev.kestrel.activities.egress.EgressRefusedException;
import dev.kestrel.activities.egress.PolicyResolver;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Sends one webhook request: egress policy first, a bounded timeout, redirects not followed (a 3xx
 * is a failed attempt), and only a 2xx counts as delivered. The client resolves names through the
 * policy, so the connection goes to the address that was checked (no DNS rebinding between the
 * check and the connection).
 */
public final class WebhookSender {
  private final HttpClient client;
  private final EgressPolicy egress;
  private final Duration timeout;

  public WebhookSender(EgressPolicy egress, Duration timeout) {
    this.egress = egress;
    this.timeout = timeout;
    QueuedThreadPool threads = new QueuedThreadPool(50, 2);
    threads.setName("webhook-sender");
    threads.setDaemon(true);
    client = new HttpClient();
    client.setExecutor(threads);
    client.setFollowRedirects(false);
    client.setConnectTimeout(timeout.toMillis());
    client.setUserAgentField(null);
    client.setSocketAddressResolver(new PolicyResolver(egress));
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException("the webhook HTTP client did not start", e);
    }
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
    Request request;
    try {
      request =
          client
              .newRequest(url)
              .method(HttpMethod.POST)
              .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .body(new BytesRequestContent(body));
    } catch (IllegalArgumentException e) {
      return new Result(null, "invalid URL", true, 0);
    }
    request.headers(h -> headers.forEach(h::put));
    try {
      ContentResponse response = request.send();
      int status = response.getStatus();
      String error = status >= 200 && status < 300 ? null : "HTTP " + status;
      return new Result(status, error, false, millisSince(start));
    } catch (TimeoutException e) {
      return new Result(
          null, "no answer within " + timeout.toSeconds() + " s", false, millisSince(start));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof EgressRefusedException) {
        return new Result(null, "refused: " + cause.getMessage(), true, millisSince(start));
      }
      if (cause instanceof TimeoutException) {
        return new Result(
            null, "no answer within " + timeout.toSeconds() + " s", false, millisSince(start));
      }
      if (cause instanceof ConnectException) {
        return new Result(null, "connection refused or unreachable", false, millisSince(start));
      }
      if (cause instanceof java.net.UnknownHostException) {
        // DNS may answer on the next attempt: retried, not refused.
        return new Result(null, cause.getMessage(), false, millisSince(start));
      }
      return new Result(null, describe(cause), false, millisSince(start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(null, "interrupted", false, millisSince(start));
    }
  }

  /** A short, user-facing reason: the exception's kind, never a stack or an internal class path. */
  private static String describe(Throwable e) {
    String kind = e.getClass().getSimpleName();
    String message = e.getMessage();
    return message == null
        ? kind
        : kind + ": " + (message.length() > 200 ? message.substring(0, 200) : message);
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
