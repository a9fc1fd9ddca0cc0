package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A task's schedule: a cron expression read in a time zone, and the inputs scheduled runs get (SPEC
 * 6). The rest are extensions: what happens when a firing finds the previous run still going
 * ({@code overlap}), how long after a missed firing (the engine was down) it is still made up
 * ({@code catchupWindowSeconds}), whether it is paused and why ({@code note}); and, in answers
 * only, when it fires next and fired last.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleSpec(
    String cron,
    String timezone,
    Map<String, Object> inputs,
    String overlap,
    Integer catchupWindowSeconds,
    Boolean paused,
    String note,
    String nextRunAt,
    String lastRunAt) {

  public static final String SKIP = "skip";
  public static final String BUFFER_ONE = "buffer_one";
  public static final String ALLOW_ALL = "allow_all";
  public static final java.util.List<String> OVERLAPS =
      java.util.List.of(SKIP, BUFFER_ONE, ALLOW_ALL);
  public static final int DEFAULT_CATCHUP_WINDOW_SECONDS = 300;

  /** As saved: no read-only fields. */
  public static ScheduleSpec saved(
      String cron,
      String timezone,
      Map<String, Object> inputs,
      String overlap,
      int catchupWindowSeconds,
      boolean paused,
      String note) {
    return new ScheduleSpec(
        cron, timezone, inputs, overlap, catchupWindowSeconds, paused, note, null, null);
  }

  public boolean isPaused() {
    return Boolean.TRUE.equals(paused);
  }

  /** This schedule as it is now: paused or not (with why), and its next and last firing. */
  public ScheduleSpec withState(boolean pausedNow, String noteNow, String next, String last) {
    return new ScheduleSpec(
        cron, timezone, inputs, overlap, catchupWindowSeconds, pausedNow, noteNow, next, last);
  }
}
