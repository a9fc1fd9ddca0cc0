package dev.kestrel.activities.browser;

import dev.kestrel.store.Checkpoints;
import dev.kestrel.store.JdbiRunRecorder;
import dev.kestrel.store.LogLine;
import dev.kestrel.workflows.BrowserActivities;
import dev.kestrel.workflows.BrowserActivities.StepHeartbeat;
import dev.kestrel.workflows.RunState;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What one step writes to its run's row and log, in as few transactions as the step allows. A step
 * that ends before the first flush (most steps do) writes the run's progress, all its lines and its
 * checkpoint in one transaction at its end. A longer one writes the progress and its first lines at
 * the first flush, what the browser said at each flush after, and the rest at its end. Either way
 * everything is written before the step's activity completes, so a worker lost after that loses
 * none of it. Best effort, as logs are: a store that fails here fails neither the step nor the run.
 * Used by the step's activity thread only.
 */
final class StepLog {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StepLog.class);

  private final JdbiRunRecorder recorder;
  private final Timer storeTime;
  private final String runId;
  private final String step;

  /** The run's progress as the step began, until written (null: the workflow recorded it). */
  private RunState progress;

  /** The step's first lines, until written; null after. */
  private List<LogLine> unwritten;

  /** The step's latest lines, for its heartbeat details. */
  private final ArrayDeque<String> latest = new ArrayDeque<>();

  StepLog(JdbiRunRecorder recorder, Timer storeTime, String runId, String step, RunState progress) {
    this.recorder = recorder;
    this.storeTime = storeTime;
    this.runId = runId;
    this.step = step;
    this.progress = progress;
    this.unwritten = new ArrayList<>(2);
  }

  /** A line of the step's beginning (the session's opening, the step's label). */
  void begin(LogLine line) {
    unwritten.add(line);
    remember(line);
  }

  /** The step still runs: writes what it said since the last flush; its heartbeat details. */
  StepHeartbeat flush(List<LogLine> said) {
    said.forEach(this::remember);
    if (unwritten != null || !said.isEmpty()) {
      long began = System.nanoTime();
      try {
        if (unwritten != null) {
          List<LogLine> lines = new ArrayList<>(unwritten);
          lines.addAll(said);
          recorder.stepBegins(runId, progress, lines);
          unwritten = null;
          progress = null;
        } else {
          recorder.log(runId, said);
        }
      } catch (RuntimeException e) {
        warn(said.size(), e);
      }
      storeTime.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
    }
    return new StepHeartbeat(step, List.copyOf(latest));
  }

  /**
   * The step ended: everything not yet written, then {@code last}, with {@code sealed} (the state
   * after the step, or null) in the same transaction; whether the state was kept.
   */
  boolean end(List<LogLine> last, Checkpoints.Sealed sealed) {
    List<LogLine> lines = unwritten == null ? new ArrayList<>() : new ArrayList<>(unwritten);
    lines.addAll(last);
    long began = System.nanoTime();
    try {
      return recorder.stepEnds(runId, progress, lines, sealed);
    } catch (RuntimeException e) {
      warn(lines.size(), e);
      return false;
    } finally {
      storeTime.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
      unwritten = null;
      progress = null;
    }
  }

  private void remember(LogLine line) {
    String text = line.level() + " " + line.message();
    latest.addLast(
        text.length() > BrowserActivities.HEARTBEAT_LINE_CHARS
            ? text.substring(0, BrowserActivities.HEARTBEAT_LINE_CHARS)
            : text);
    if (latest.size() > BrowserActivities.HEARTBEAT_LINES) {
      latest.removeFirst();
    }
  }

  private void warn(int lines, RuntimeException e) {
    LOG.warn("Could not write {} log line(s) of run {}: {}", lines, runId, e.toString());
  }
}
