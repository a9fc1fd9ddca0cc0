package dev.kestrel.bench;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
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
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(engineTarget).build());
    try {
      WorkflowExecutionHistory history =
          WorkflowClient.newInstance(service).fetchHistory("run-" + runId);
      List<HistoryEvent> events = history.getEvents();
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
