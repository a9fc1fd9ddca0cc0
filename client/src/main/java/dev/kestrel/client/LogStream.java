package dev.kestrel.client;

import dev.kestrel.model.api.LogEntry;
import dev.kestrel.model.api.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One run's server-sent-event log stream, read lazily frame by frame. A connection that drops
 * before {@code event: end} is opened again after the last entry received ({@code after} and {@code
 * Last-Event-ID}), so no entry is lost or repeated; the retries start over whenever a frame
 * arrives.
 */
final class LogStream implements Iterator<RunEvent> {
  private final KestrelClient client;
  private final String runId;
  private String lastEntryId;
  private final Queue<RunEvent> ready = new ArrayDeque<>();
  private Stream<String> lines;
  private Iterator<String> reader;
  private boolean ended;
  private int failures;

  LogStream(KestrelClient client, String runId, String afterEntryId) {
    this.client = client;
    this.runId = runId;
    this.lastEntryId = afterEntryId;
  }

  Stream<RunEvent> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && !ended) {
      readFrame();
    }
    return !ready.isEmpty();
  }

  @Override
  public RunEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.remove();
  }

  void close() {
    ended = true;
    if (lines != null) {
      lines.close();
    }
  }

  /** Reads up to the end of one frame, reconnecting when the connection is gone. */
  private void readFrame() {
    if (reader == null) {
      connect();
      if (ended || reader == null) {
        return; // Ended, or the connection failed (503, refused): the next frame tries again.
      }
    }
    String event = "message";
    String id = null;
    StringBuilder data = new StringBuilder();
    try {
      while (reader.hasNext()) {
        String line = reader.next();
        if (line.isEmpty()) {
          if (data.length() > 0 || !event.equals("message")) {
            dispatch(event, id, data.toString());
            failures = 0;
            return;
          }
          continue;
        }
        if (line.startsWith(":")) {
          continue; // keep-alive
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
        switch (field) {
          case "event" -> event = value;
          case "id" -> id = value;
          case "data" -> data.append(data.length() > 0 ? "\n" : "").append(value);
          default -> {}
        }
      }
    } catch (UncheckedIOException dropped) {
      // Read below as a connection that ended early.
    }
    dropConnection();
  }

  private void dispatch(String event, String id, String data) {
    try {
      switch (event) {
        case "log" -> {
          LogEntry entry = client.json().readValue(data, LogEntry.class);
          lastEntryId = id != null ? id : entry.id();
          ready.add(new RunEvent.Log(entry));
        }
        case "run" -> ready.add(new RunEvent.RunChanged(client.json().readValue(data, Run.class)));
        case "end" -> close();
        default -> {} // An event a later server may add.
      }
    } catch (IOException e) {
      throw new KestrelException(
          "a " + event + " frame of run " + runId + " is not valid: " + e.getMessage(), e);
    }
  }

  /**
   * The connection ended before {@code event: end}: open it again after the last entry, a few
   * times.
   */
  private void dropConnection() {
    if (lines != null) {
      lines.close();
    }
    reader = null;
    lines = null;
    if (ended) {
      return;
    }
    if (failures++ >= client.maxRetries()) {
      throw new KestrelException(
          "the log stream of run " + runId + " dropped " + failures + " times", null);
    }
    KestrelClient.pause(client.backoff(failures - 1));
  }

  private void connect() {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("after", lastEntryId);
    String path = "/public/v1/task-runs/" + runId + "/logs" + KestrelClient.queryString(params);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "text/event-stream");
    if (lastEntryId != null) {
      headers.put("Last-Event-ID", lastEntryId);
    }
    HttpRequest request = client.request("GET", path, null, client.requestTimeout(), headers);
    HttpResponse<Stream<String>> response;
    try {
      // The request timeout covers the wait for the answer's headers; the stream itself stays open.
      response = client.http().send(request, HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      dropConnection();
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KestrelException("interrupted", e);
    }
    if (response.statusCode() >= 400) {
      byte[] body;
      try (Stream<String> errorBody = response.body()) {
        body =
            String.join("\n", errorBody.toList()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
      client.observe(request, response.statusCode(), response.headers(), body);
      if (response.statusCode() == 503) {
        dropConnection();
        return;
      }
      throw client.error("GET " + path, response.statusCode(), response.headers(), body);
    }
    client.observe(request, response.statusCode(), response.headers(), null);
    lines = response.body();
    reader = lines.iterator();
  }
}
