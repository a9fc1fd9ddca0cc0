package dev.kestrel.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretsTest {

  @Test
  void webhookSecretsHaveKomosShapeAndDiffer() {
    String a = Secrets.newWebhookSecret();
    assertThat(a).matches("wh_[0-9a-f]{8}_[0-9a-f]{48}");
    assertThat(Secrets.newWebhookSecret()).isNotEqualTo(a);
  }

  @Test
  void apiKeysAreWellFormedAndDiffer() {
    String a = Secrets.newApiKey();
    assertThat(ApiKeys.isWellFormed(a)).isTrue();
    assertThat(a).startsWith("sk_live_").hasSize("sk_live_".length() + 43);
    assertThat(Secrets.newApiKey()).isNotEqualTo(a);
  }
}
