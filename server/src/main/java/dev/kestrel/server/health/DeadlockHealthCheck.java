package dev.kestrel.server.health;

import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.jvm.ThreadDeadlockDetector;
import java.util.Set;

/**
 * Dropwizard's deadlock check in one line: the deadlocked threads' first lines, not their stacks.
 */
public class DeadlockHealthCheck extends HealthCheck {
  private final ThreadDeadlockDetector detector = new ThreadDeadlockDetector();

  @Override
  protected Result check() {
    Set<String> threads = detector.getDeadlockedThreads();
    if (threads.isEmpty()) {
      return Result.healthy("no deadlocked threads");
    }
    String names =
        String.join(
            "; ", threads.stream().map(t -> t.strip().lines().findFirst().orElse(t)).toList());
    return Result.unhealthy(
        threads.size()
            + " threads deadlocked: "
            + names
            + " (a thread dump of the process has the detail)");
  }
}
