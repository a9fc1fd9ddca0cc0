package dev.kestrel.server.health;

import com.codahale.metrics.health.HealthCheck;
import org.jdbi.v3.core.Jdbi;

/**
 * The database answers a query; one line either way (it replaces Dropwizard's, which answers a
 * stack trace).
 */
public class DatabaseHealthCheck extends HealthCheck {
  private final Jdbi jdbi;
  private final String where;

  /** {@code url}: the JDBC URL; only what comes before its parameters is shown. */
  public DatabaseHealthCheck(Jdbi jdbi, String url) {
    this.jdbi = jdbi;
    this.where = withoutParameters(url);
  }

  /**
   * The URL up to its first parameter: PostgreSQL's come after {@code ?}, H2's after {@code ;}, and
   * either may hold a password or settings that are nobody's business.
   */
  static String withoutParameters(String url) {
    int end = url.length();
    for (char separator : new char[] {'?', ';'}) {
      int at = url.indexOf(separator);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    return url.substring(0, end);
  }

  @Override
  protected Result check() {
    long began = System.nanoTime();
    try {
      jdbi.useHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
    } catch (RuntimeException e) {
      return Result.unhealthy(
          "database "
              + where
              + " not answering: "
              + HealthMessages.oneLine(e)
              + " (database.url; is the database running and reachable?)");
    }
    return Result.healthy(
        "database " + where + " answered in " + (System.nanoTime() - began) / 1_000_000 + " ms");
  }
}
