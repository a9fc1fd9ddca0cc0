package dev.kestrel.model.api;

import java.util.List;

/** The JSON envelopes the public API wraps its resources in. */
public final class Envelopes {
  private Envelopes() {}

  public record RunBody(Run run) {}

  public record RunList(List<Run> runs) {}

  /** Extension: {@code GET /task-runs}, cursor-paginated. */
  public record RunPage(List<Run> runs, String nextCursor) {}

  public record RunLogs(String runId, List<LogEntry> logEntries) {}

  public record TaskBody(Task task) {}

  public record TaskList(List<Task> tasks, long total) {}

  /** {@code POST /webhook-endpoints}: the signing secret is shown here only. */
  public record WebhookEndpointCreated(WebhookEndpoint endpoint, String secret) {}

  public record WebhookEndpointList(List<WebhookEndpoint> endpoints) {}

  /** Newest first. */
  public record WebhookAttemptList(List<WebhookAttempt> deliveries) {}

  /** The body of a {@code task-run.log} event: the entries new since the previous one. */
  public record LogBatch(String runId, List<LogEntry> logEntries) {}

  /** Extension (SPEC 12). */
  public record ProfileBody(Profile profile) {}

  public record ProfileList(List<Profile> profiles) {}

  /** Newest first. */
  public record ProfileVersionList(List<ProfileVersion> versions) {}

  /** Extension (SPEC 12). */
  public record ProxyBody(Proxy proxy) {}

  public record ProxyList(List<Proxy> proxies) {}

  /** FastAPI's error shape: {@code detail} is a code, or an object or list where more is said. */
  public record ErrorBody(Object detail) {}
}
