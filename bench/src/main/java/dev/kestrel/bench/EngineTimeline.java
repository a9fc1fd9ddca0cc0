package dev.kestrel.bench;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a run's time goes inside the engine, from its workflow history: each event's offset from
 * the start, and the totals of workflow tasks (scheduled to completed), activity dispatch
 * (scheduled to started) and activity execution (started to closed).
 */
final class EngineTimeline {
  private EngineTimeline() {}

  static Map<String, Object> of(String engineTarget, String runId) {
    return fromHistory(engineTarget, runId, EngineTimeline::timeline);
  }

  private static Map<String, Object> timeline(List<HistoryEvent> events) {
    long t0 = millis(events.get(0));
    List<String> lines = new ArrayList<>();
    Map<Long, Long> scheduledAt = new LinkedHashMap<>();
    Map<Long, Long> startedAt = new LinkedHashMap<>();
    double workflowTasks = 0;
    double dispatch = 0;
    double execution = 0;
    int workflowTaskCount = 0;
    int activityCount = 0;
    int markers = 0;
    for (HistoryEvent e : events) {
      long at = millis(e);
      lines.add("+" + (at - t0) + " ms " + e.getEventType().name().replace("EVENT_TYPE_", ""));
      EventType type = e.getEventType();
      switch (type) {
        case EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ->
            scheduledAt.put(e.getEventId(), at);
        case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> {
          workflowTasks +=
              at
                  - scheduledAt.getOrDefault(
                      e.getWorkflowTaskCompletedEventAttributes().getScheduledEventId(), at);
          workflowTaskCount++;
        }
        case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
          long scheduled = e.getActivityTaskStartedEventAttributes().getScheduledEventId();
          dispatch += at - scheduledAt.getOrDefault(scheduled, at);
          startedAt.put(scheduled, at);
        }
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
          execution +=
              at
                  - startedAt.getOrDefault(
                      e.getActivityTaskCompletedEventAttributes().getScheduledEventId(), at);
          activityCount++;
        }
        case EVENT_TYPE_MARKER_RECORDED -> markers++;
        default -> {}
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("events", events.size());
    out.put("workflow tasks", workflowTaskCount);
    out.put("workflow tasks, scheduled to completed, total ms", workflowTasks);
    out.put("activities", activityCount);
    out.put("activity dispatch, scheduled to started, total ms", dispatch);
    out.put("activity execution, started to completed, total ms", execution);
    out.put("local activities (markers)", markers);
    out.put("workflow start to close ms", millis(events.get(events.size() - 1)) - t0);
    out.put("events (offset from the start)", lines);
    return out;
  }

  /**
   * The medians of a step's parts, over the step activities of one run: waiting to be picked up
   * (scheduled to started), running (started to completed), the workflow task that follows, and the
   * whole way from one step's completion to the next one's scheduling.
   */
  static Map<String, Object> stepMedians(String engineTarget, String runId) {
    return fromHistory(engineTarget, runId, EngineTimeline::stepParts);
  }

  private static Map<String, Object> stepParts(List<HistoryEvent> events) {
    Map<Long, Long> scheduledAt = new LinkedHashMap<>();
    Map<Long, Long> startedAt = new LinkedHashMap<>();
    List<Double> pickUp = new ArrayList<>();
    List<Double> running = new ArrayList<>();
    List<Double> workflowTask = new ArrayList<>();
    List<Double> between = new ArrayList<>();
    Long completedAt = null;
    for (HistoryEvent e : events) {
      long at = millis(e);
      switch (e.getEventType()) {
        case EVENT_TYPE_WORKFLOW_TASK_SCHEDULED -> scheduledAt.put(e.getEventId(), at);
        case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> {
          if (completedAt != null) {
            workflowTask.add(
                (double)
                    (at
                        - scheduledAt.getOrDefault(
                            e.getWorkflowTaskCompletedEventAttributes().getScheduledEventId(),
                            at)));
          }
        }
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
          if (e.getActivityTaskScheduledEventAttributes()
              .getActivityType()
              .getName()
              .equals("RunStep")) {
            scheduledAt.put(e.getEventId(), at);
            if (completedAt != null) {
              between.add((double) (at - completedAt));
            }
          }
          completedAt = null;
        }
        case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
          Long scheduled =
              scheduledAt.get(e.getActivityTaskStartedEventAttributes().getScheduledEventId());
          if (scheduled != null) {
            pickUp.add((double) (at - scheduled));
            startedAt.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), at);
          }
        }
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
          Long started =
              startedAt.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId());
          if (started != null) {
            running.add((double) (at - started));
            completedAt = at;
          }
        }
        default -> {}
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("steps", running.size());
    out.put("waiting to be picked up, scheduled to started ms", Stats.of(pickUp).p50());
    out.put("activity running, started to completed ms", Stats.of(running).p50());
    out.put("workflow task after a step ms", Stats.of(workflowTask).p50());
    out.put("completed to the next step's scheduling ms", Stats.of(between).p50());
    return out;
  }

  /** What {@code read} makes of the run's history, or why the history could not be had. */
  private static Map<String, Object> fromHistory(
      String engineTarget,
      String runId,
      java.util.function.Function<List<HistoryEvent>, Map<String, Object>> read) {
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(engineTarget).build());
    try {
      return read.apply(
          WorkflowClient.newInstance(service).fetchHistory("run-" + runId).getEvents());
    } catch (RuntimeException e) {
      return Map.of("unavailable", e.toString());
    } finally {
      service.shutdownNow();
    }
  }

  private static long millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
  }
}
