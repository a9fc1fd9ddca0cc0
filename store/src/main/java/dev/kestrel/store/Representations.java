package dev.kestrel.store;

import dev.kestrel.model.Progress;
import dev.kestrel.model.RunStatus;
import dev.kestrel.model.TaskDefinition;
import dev.kestrel.model.Timestamps;
import dev.kestrel.model.WaitingFor;
import dev.kestrel.model.api.Artifact;
import dev.kestrel.model.api.Run;
import dev.kestrel.model.api.Task;
import dev.kestrel.model.api.WebhookEndpoint;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.RunRecord;
import dev.kestrel.store.records.TaskRecord;
import dev.kestrel.store.records.WebhookEndpointRecord;

/** From stored records to the public API's wire types. */
public final class Representations {
  private Representations() {}

  /**
   * The run with the files it produced ({@code artifacts}: the store's listing of them) and, while
   * an input step waits, what it waits for with its signed link ({@code links}).
   */
  public static Run run(RunRecord r, String publicUrl, ArtifactStore artifacts, InputLinks links) {
    // Null until a step began: also for a run cancelled while it was still waiting.
    Progress progress =
        r.status() == RunStatus.PENDING || r.currentStep() == 0
            ? null
            : new Progress(r.currentStep(), r.stepsTotal());
    String logsUrl =
        publicUrl == null
            ? null
            : stripSlash(publicUrl) + "/public/v1/task-runs/" + r.id() + "/logs";
    return new Run(
        r.id(),
        r.taskId(),
        r.status(),
        r.triggerType(),
        new Run.Timestamps(
            Timestamps.iso(r.createdAt()),
            Timestamps.iso(r.startedAt()),
            Timestamps.iso(r.finishedAt())),
        progress,
        r.inputs(),
        r.outputs(),
        logsUrl,
        r.status() == RunStatus.FAILED ? r.error() : null,
        r.cancelReason(),
        artifacts.list(r.id()).stream()
            .map(f -> new Artifact(f.name(), ArtifactStore.url(r.id(), f.name()), f.bytes()))
            .toList(),
        waitingFor(r, publicUrl, links),
        r.retryOf(),
        r.startedAtStep());
  }

  private static Run.WaitingFor waitingFor(RunRecord r, String publicUrl, InputLinks links) {
    WaitingFor w = r.waitingFor();
    if (w == null || r.status() != RunStatus.RUNNING) {
      return null;
    }
    String path = links.path(r.id(), w);
    return new Run.WaitingFor(
        w.stepId(),
        w.prompt(),
        w.fields(),
        Timestamps.iso(w.expiresAtMillis()),
        publicUrl == null ? path : stripSlash(publicUrl) + path);
  }

  public static Task task(TaskRecord t) {
    TaskDefinition d = t.definition();
    return new Task(
        t.id(),
        d.name(),
        d.description(),
        d.inputs(),
        d.steps(),
        d.timeoutSeconds(),
        d.schedule(),
        d.trace(),
        t.status(),
        t.version(),
        Timestamps.iso(t.createdAt()),
        Timestamps.iso(t.updatedAt()),
        d.resume(),
        d.profile(),
        d.proxy());
  }

  public static dev.kestrel.model.api.Profile profile(dev.kestrel.store.records.ProfileRecord p) {
    return new dev.kestrel.model.api.Profile(
        p.id(),
        p.name(),
        p.version(),
        p.bytes(),
        Timestamps.iso(p.createdAt()),
        Timestamps.iso(p.updatedAt()));
  }

  public static dev.kestrel.model.api.ProfileVersion profileVersion(
      dev.kestrel.store.records.ProfileVersionRecord v) {
    return new dev.kestrel.model.api.ProfileVersion(
        v.version(), v.bytes(), v.source(), v.basedOn(), v.runId(), Timestamps.iso(v.createdAt()));
  }

  /** A proxy as the API shows it: never its password. */
  public static dev.kestrel.model.api.Proxy proxy(dev.kestrel.store.records.ProxyRecord p) {
    return new dev.kestrel.model.api.Proxy(
        p.id(), p.name(), p.server(), p.username(), p.hasPassword(), Timestamps.iso(p.createdAt()));
  }

  /**
   * Where clients reach the API: the organization's own URL, else the configured one (may be null).
   */
  public static String publicUrl(Organization org, String globalPublicUrl) {
    return org.publicUrl() != null ? org.publicUrl() : globalPublicUrl;
  }

  public static WebhookEndpoint webhookEndpoint(WebhookEndpointRecord e) {
    return new WebhookEndpoint(
        e.id(), e.url(), e.events(), e.taskId(), Timestamps.iso(e.createdAt()));
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
