package dev.kestrel.server.health;

import com.codahale.metrics.health.HealthCheck;
import dev.kestrel.store.db.WebhookDao;
import java.time.Duration;

/**
 * Webhook deliveries still waiting for a delivered attempt. A delivery takes ~10.5 minutes at most
 * to be delivered or given up on (SPEC 7's retries); one still waiting after {@code stale} means
 * nothing is working through them: no worker is up, or none reaches the engine.
 */
public class WebhookBacklogHealthCheck extends HealthCheck {
  private final WebhookDao webhooks;
  private final int maxAttempts;
  private final Duration stale;

  public WebhookBacklogHealthCheck(WebhookDao webhooks, int maxAttempts, Duration stale) {
    this.webhooks = webhooks;
    this.maxAttempts = maxAttempts;
    this.stale = stale;
  }

  @Override
  protected Result check() {
    WebhookDao.Backlog backlog;
    try {
      backlog = webhooks.backlog(maxAttempts);
    } catch (RuntimeException e) {
      return Result.unhealthy(
          "webhook backlog unknown: the database is not answering ("
              + HealthMessages.oneLine(e)
              + ")");
    }
    if (backlog.count() == 0) {
      return Result.healthy("no webhook delivery waiting");
    }
    Duration age =
        Duration.ofMillis(
            Math.max(0, System.currentTimeMillis() - backlog.oldestCreatedAtMillis()));
    String said = backlog.count() + " webhook deliveries waiting, the oldest for " + minutes(age);
    if (age.compareTo(stale) > 0) {
      return Result.unhealthy(
          said + ", longer than their retries take: is a worker running and reaching the engine?");
    }
    return Result.healthy(said);
  }

  private static String minutes(Duration d) {
    return d.toMinutes() < 1 ? d.toSeconds() + " s" : d.toMinutes() + " min";
  }
}
