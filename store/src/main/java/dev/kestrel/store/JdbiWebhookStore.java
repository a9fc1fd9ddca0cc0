package dev.kestrel.store;

import dev.kestrel.model.WebhookEvent;
import dev.kestrel.model.api.Envelopes.LogBatch;
import dev.kestrel.store.db.JsonColumns;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.db.RunDao;
import dev.kestrel.store.db.RunLogDao;
import dev.kestrel.store.db.WebhookDao;
import dev.kestrel.store.records.DeliveryAttempt;
import dev.kestrel.store.records.WaitingDelivery;
import dev.kestrel.store.records.WebhookDelivery;
import dev.kestrel.store.records.WebhookEndpointRecord;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The webhook activities' view of this store; event bodies are rendered as the API renders runs.
 */
public class JdbiWebhookStore implements WebhookStore {
  private final RunDao runs;
  private final RunLogDao logs;
  private final WebhookDao webhooks;
  private final OrganizationDao organizations;
  private final JsonColumns json;
  private final String globalPublicUrl;
  private final ArtifactStore artifacts;

  private final InputLinks links;

  public JdbiWebhookStore(
      RunDao runs,
      RunLogDao logs,
      WebhookDao webhooks,
      OrganizationDao organizations,
      JsonColumns json,
      String globalPublicUrl,
      ArtifactStore artifacts,
      InputLinks links) {
    this.artifacts = artifacts;
    this.links = links;
    this.runs = runs;
    this.logs = logs;
    this.webhooks = webhooks;
    this.organizations = organizations;
    this.json = json;
    this.globalPublicUrl = globalPublicUrl;
  }

  @Override
  public Optional<String> runBody(String runId) {
    return runs.findById(runId)
        .map(
            run -> {
              String publicUrl =
                  organizations
                      .findById(run.organizationId())
                      .map(o -> Representations.publicUrl(o, globalPublicUrl))
                      .orElse(globalPublicUrl);
              return json.write(Representations.run(run, publicUrl, artifacts, links));
            });
  }

  @Override
  public List<Subscription> subscriptionsOf(String runId) {
    return webhooks.endpointsForRun(runId).stream().map(JdbiWebhookStore::subscription).toList();
  }

  private static Subscription subscription(WebhookEndpointRecord e) {
    Set<WebhookEvent> events = e.events().isEmpty() ? Set.of() : EnumSet.copyOf(e.events());
    return new Subscription(e.id(), e.url(), events);
  }

  @Override
  public void recordDelivery(
      String deliveryId, String endpointId, String runId, WebhookEvent event, String payload) {
    webhooks.insertDelivery(deliveryId, endpointId, runId, event, payload);
  }

  @Override
  public Optional<LogSlice> logsAfter(String runId, long afterSeq, int limit) {
    List<RunLogDao.Numbered> entries = logs.afterSeq(runId, afterSeq, limit + 1);
    if (entries.isEmpty()) {
      return Optional.empty();
    }
    boolean more = entries.size() > limit;
    List<RunLogDao.Numbered> batch = more ? entries.subList(0, limit) : entries;
    String body =
        json.write(new LogBatch(runId, batch.stream().map(RunLogDao.Numbered::entry).toList()));
    return Optional.of(new LogSlice(body, batch.get(batch.size() - 1).seq(), more));
  }

  @Override
  public Optional<WebhookDelivery> delivery(String deliveryId) {
    return webhooks.delivery(deliveryId);
  }

  @Override
  public void recordAttempt(DeliveryAttempt attempt) {
    webhooks.insertAttempt(attempt);
  }

  @Override
  public List<WaitingDelivery> waitingDeliveries(int maxAttempts, int limit) {
    return webhooks.waiting(maxAttempts, limit);
  }
}
