package dev.kestrel.server.watch;

import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;
import dev.kestrel.server.core.RunService;
import dev.kestrel.store.records.Organization;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.TimeUnit;

/**
 * One open log stream: log entries as server-sent events ({@code event: log}, the entry's id as the
 * event id), {@code event: run} when the run's status or step changes, then {@code event: end} once
 * the run is terminal. It sends what is new whenever the run changes, one send at a time; a comment
 * every 15 s keeps the connection alive through proxies and finds a client that went away.
 */
final class LogStream {
  private static final long HEARTBEAT_MILLIS = 15_000;

  /**
   * A stream ends after a day at most (a run's longest timeout); the client reconnects with
   * Last-Event-ID.
   */
  private static final long MAX_STREAM_MILLIS = TimeUnit.HOURS.toMillis(24);

  private final RunService runs;
  private final RunWatch watches;
  private final RunWaits waits;
  private final Organization org;
  private final String runId;
  private final SseEventSink sink;
  private final Sse sse;
  private String last;

  /** The run's status and step as last sent in an {@code event: run} frame. */
  private String lastRunState;

  private RunWatch.Watch watch;

  LogStream(
      RunService runs,
      RunWatch watches,
      RunWaits waits,
      Organization org,
      String runId,
      String afterId,
      SseEventSink sink,
      Sse sse) {
    this.runs = runs;
    this.watches = watches;
    this.waits = waits;
    this.org = org;
    this.runId = runId;
    this.last = afterId;
    this.sink = sink;
    this.sse = sse;
  }

  void start() {
    // Over the organization's share this throws before anything is sent: a 429 like any other.
    watch = watches.watchEveryChange(org, runId, this::pump);
    watch.every(HEARTBEAT_MILLIS, () -> send(sse.newEventBuilder().comment("keep-alive").build()));
    watch.after(MAX_STREAM_MILLIS, sink::close);
    watch.poke();
  }

  /** On the watch's threads. */
  private void pump() {
    if (sink.isClosed()) {
      watch.close();
      return;
    }
    // The run first, then its new entries: a step's RUNNING frame precedes the step's logs; a
    // terminal frame goes last, after every entry, just before the end.
    Run run = runs.stored(org, runId);
    boolean terminal = run.status().isTerminal();
    if (!terminal) {
      sendRunIfChanged(run);
    }
    for (LogEntry entry : runs.logs(org, runId, last).logEntries()) {
      send(
          sse.newEventBuilder()
              .id(entry.id())
              .name("log")
              .data(String.class, waits.json(entry))
              .build());
      last = entry.id();
    }
    if (terminal) {
      sendRunIfChanged(run);
      send(sse.newEventBuilder().name("end").data(String.class, "{}").build());
      watch.close();
      sink.close();
    }
  }

  /**
   * {@code event: run} with the run resource, when its status or step changed since the last one.
   */
  private void sendRunIfChanged(Run run) {
    String state = run.status() + "/" + (run.progress() == null ? 0 : run.progress().currentStep());
    if (!state.equals(lastRunState)) {
      lastRunState = state;
      send(sse.newEventBuilder().name("run").data(String.class, waits.json(run)).build());
    }
  }

  private void send(OutboundSseEvent event) {
    if (sink.isClosed()) {
      watch.close();
      return;
    }
    sink.send(event)
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                watch.close(); // The client went away.
                sink.close();
              }
            });
  }
}
