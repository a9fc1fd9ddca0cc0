package dev.kestrel.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kestrel.store.ApiKeys;
import dev.kestrel.store.Store;
import dev.kestrel.store.TestStore;
import org.junit.jupiter.api.Test;

/** Operator actions on organizations and keys, on a real (H2) store. */
class OrganizationsTest {
  final Store store = TestStore.h2().open();
  final Organizations organizations = new Organizations(store.organizations(), store.apiKeys());

  @Test
  void anIssuedKeyAuthenticatesUntilItIsRevoked() {
    organizations.create("acme", null, null);
    Organizations.IssuedKey issued = organizations.issueKey("acme", "ci");
    String hash = ApiKeys.hash(issued.secret());

    assertThat(store.apiKeys().findActiveOwner(hash))
        .map(o -> o.organization().name())
        .contains("acme");
    organizations.revokeKey(issued.key().id());
    assertThat(store.apiKeys().findActiveOwner(hash)).isEmpty();
    assertThatThrownBy(() -> organizations.revokeKey(issued.key().id()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theBootstrapKeyIsEnsuredOnceAndBelongsToOneOrganization() {
    organizations.ensureKey("bootstrap-org", "sk_live_bootstrap-key-0000000000");
    organizations.ensureKey("bootstrap-org", "sk_live_bootstrap-key-0000000000");

    assertThat(store.apiKeys().findActiveOwner(ApiKeys.hash("sk_live_bootstrap-key-0000000000")))
        .isPresent();
    assertThat(store.apiKeys().list(organizations.require("bootstrap-org").id())).hasSize(1);
    assertThatThrownBy(
            () -> organizations.ensureKey("other-org", "sk_live_bootstrap-key-0000000000"))
        .hasMessageContaining("belongs to another organization");
    assertThatThrownBy(() -> organizations.ensureKey("bootstrap-org", "not-a-key"))
        .hasMessageContaining("sk_live_");
  }

  @Test
  void namesAreUniqueAndPeppersBounded() {
    organizations.create("acme", 10, "https://acme.example.com");
    assertThatThrownBy(() -> organizations.create("acme", null, null))
        .hasMessageContaining("exists already");
    assertThatThrownBy(() -> organizations.setWebhookPepper("acme", " "))
        .hasMessageContaining("1 to 200 characters");
    organizations.setWebhookPepper("acme", "our-pepper");
    assertThat(store.organizations().findByName("acme").orElseThrow().webhookPepper())
        .isEqualTo("our-pepper");
  }
}
