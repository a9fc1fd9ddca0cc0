package dev.kestrel.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Drops a warning that carries a BENIGN application failure: a run that failed for a user's reason
 * (see {@code UserFailures}). The Temporal SDK already logs benign activity failures at debug, but
 * logs every workflow failure as a warning with its stack trace; the run's own one-line entry says
 * what failed instead. Stack traces stay for faults of ours.
 */
public final class UserFailureFilter extends TurboFilter {

  /**
   * The SDK's activity executor logs each cancelled step at info ("Activity canceled"): a run's
   * timeout or cancellation is in the run's own log, so its level is warn unless configured.
   */
  static final String ACTIVITY_EXECUTORS = "io.temporal.internal.activity.ActivityTaskExecutors";

  /**
   * Adds the filter to the logging context once (Dropwizard configures logging before this runs).
   */
  public static void install() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      if (context.getTurboFilterList().stream().noneMatch(UserFailureFilter.class::isInstance)) {
        UserFailureFilter filter = new UserFailureFilter();
        filter.start();
        context.addTurboFilter(filter);
      }
      Logger executors = context.getLogger(ACTIVITY_EXECUTORS);
      if (executors.getLevel() == null) {
        executors.setLevel(Level.WARN);
      }
    }
  }

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(Level.WARN)) {
      return FilterReply.NEUTRAL;
    }
    // SLF4J passes a trailing throwable among the parameters when the message has placeholders.
    Throwable thrown = t;
    if (thrown == null
        && params != null
        && params.length > 0
        && params[params.length - 1] instanceof Throwable last) {
      thrown = last;
    }
    return isBenign(thrown) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }

  static boolean isBenign(Throwable thrown) {
    return thrown instanceof ApplicationFailure failure
        && failure.getCategory() == ApplicationErrorCategory.BENIGN;
  }
}
