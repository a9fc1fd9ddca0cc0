package dev.kestrel.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.health.HealthCheck.Result;
import dev.kestrel.model.WebhookEvent;
import dev.kestrel.store.Store;
import dev.kestrel.store.TestStore;
import dev.kestrel.store.records.Organization;
import dev.kestrel.store.records.WebhookEndpointRecord;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** Each check says in one line what is wrong and what to do; none answers a stack trace. */
class HealthChecksTest {
  @Test
  void aDatabaseThatDoesNotAnswerIsOneLineNamingItAndTheSetting() {
    Store store = TestStore.h2().open();
    Result up =
        new DatabaseHealthCheck(
                store.jdbi(),
                "jdbc:h2:file:./data/db/kestrel;MODE=PostgreSQL;AUTO_SERVER=TRUE;WRITE_DELAY=0")
            .execute();
    // Nothing listens on port 1 of this host: the driver's connection is refused.
    Result down =
        new DatabaseHealthCheck(
                Jdbi.create("jdbc:postgresql://127.0.0.1:1/kestrel?password=secret"),
                "jdbc:postgresql://127.0.0.1:1/kestrel?password=secret")
            .execute();

    assertThat(up.isHealthy()).isTrue();
    assertThat(up.getMessage())
        .as("H2's parameters are not shown")
        .startsWith("database jdbc:h2:file:./data/db/kestrel answered in")
        .doesNotContain(";", "MODE", "WRITE_DELAY");
    assertThat(down.isHealthy()).isFalse();
    assertThat(down.getMessage())
        .startsWith("database jdbc:postgresql://127.0.0.1:1/kestrel not answering: ")
        .contains("database.url")
        .doesNotContain("\n", "secret");
    assertThat(down.getError()).as("no stack trace in the answer").isNull();
  }

  @Test
  void aWebhookBacklogIsCountedAndOneWaitingTooLongIsUnhealthy() {
    Store store = TestStore.h2().open();
    assertThat(
            new WebhookBacklogHealthCheck(store.webhooks(), 7, Duration.ofMinutes(30))
                .execute()
                .getMessage())
        .isEqualTo("no webhook delivery waiting");

    Organization org = store.organizations().create("hooks", null, null);
    String endpoint = UUID.randomUUID().toString();
    store
        .webhooks()
        .insertEndpointWithinLimit(
            new WebhookEndpointRecord(
                endpoint, org.id(), "http://127.0.0.1:9/h", List.of(), null, "wh_a_b", 1L),
            10);
    store
        .webhooks()
        .insertDelivery(
            UUID.randomUUID().toString(),
            endpoint,
            UUID.randomUUID().toString(),
            WebhookEvent.COMPLETED,
            "{}");
    store
        .webhooks()
        .insertDelivery(
            UUID.randomUUID().toString(),
            endpoint,
            UUID.randomUUID().toString(),
            WebhookEvent.LOG,
            "{}");

    Result waiting =
        new WebhookBacklogHealthCheck(store.webhooks(), 7, Duration.ofMinutes(30)).execute();
    // A bound below zero: any age is over it.
    Result stale =
        new WebhookBacklogHealthCheck(store.webhooks(), 7, Duration.ofMillis(-1)).execute();

    assertThat(waiting.isHealthy()).isTrue();
    assertThat(waiting.getMessage())
        .as("log batches are the run's workflow's business")
        .startsWith("1 webhook deliveries waiting");
    assertThat(stale.isHealthy()).isFalse();
    assertThat(stale.getMessage()).contains("is a worker running").doesNotContain("\n");
  }
}
