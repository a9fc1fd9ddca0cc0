package dev.kestrel.server.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.server.core.RunService;
import dev.kestrel.store.ArtifactStore;
import dev.kestrel.store.records.Organization;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.glassfish.jersey.server.ChunkedOutput;

/**
 * The API's waiting side: whatever answers when a run changes rather than at once (a {@code
 * waitForFinish} long poll, the log stream, a live screenshot). None holds a thread while it waits:
 * each is a {@link RunWatch} on the run, answered from the watch's threads.
 */
public final class RunWaits {
  private final RunService runs;
  private final RunWatch watches;
  private final ArtifactStore artifacts;
  private final ObjectMapper mapper;

  public RunWaits(RunService runs, RunWatch watches, ArtifactStore artifacts, ObjectMapper mapper) {
    this.runs = runs;
    this.watches = watches;
    this.artifacts = artifacts;
    this.mapper = mapper;
  }

  /**
   * The chunked answer of a {@code waitForFinish} of {@code waitMillis} on a run that is not
   * terminal.
   */
  public ChunkedOutput<String> untilFinished(Organization org, String runId, long waitMillis) {
    LongPoll poll = new LongPoll(runs, watches, this, org, runId);
    poll.start(waitMillis);
    return poll.output();
  }

  /** Streams the run's log entries (after {@code afterId}) and its changes into {@code sink}. */
  public void streamLogs(
      Organization org, String runId, String afterId, SseEventSink sink, Sse sse) {
    new LogStream(runs, watches, this, org, runId, afterId, sink, sse).start();
  }

  /**
   * Answers {@code response} with a PNG of the run's page as it is now (see {@link
   * LiveScreenshot}).
   */
  public void liveScreenshot(Organization org, String runId, AsyncResponse response) {
    new LiveScreenshot(runs, watches, artifacts, org, runId, response).start();
  }

  String json(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
