package dev.kestrel.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.server.config.KestrelConfiguration;
import dev.kestrel.server.core.Organizations;
import dev.kestrel.server.support.ApiClient;
import dev.kestrel.server.support.TestApps;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One organization's flood is answered 429 with Retry-After; another organization is served as
 * usual.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class RequestRateIT {
  static final DropwizardAppExtension<KestrelConfiguration> APP =
      TestApps.app(config -> config.limits().fairShare(100, 100, 5));

  @Test
  void aFloodIsRefusedForItsOrganizationOnly() {
    Organizations organizations = TestApps.installed(APP).organizations();
    organizations.create("flooding", null, null);
    organizations.create("quiet", null, null);
    ApiClient flooding =
        TestApps.api(APP).withKey(organizations.issueKey("flooding", "rate test").secret());
    ApiClient quiet =
        TestApps.api(APP).withKey(organizations.issueKey("quiet", "rate test").secret());

    List<ApiClient.Answer> answers = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      answers.add(flooding.get("/public/v1/tasks"));
    }

    // A burst of one second's worth (5) passes, plus what refills while the flood lasts.
    assertThat(answers).filteredOn(a -> a.status() == 200).hasSizeBetween(5, 40);
    List<ApiClient.Answer> refused = answers.stream().filter(a -> a.status() == 429).toList();
    assertThat(refused).isNotEmpty();
    assertThat(refused.get(0).json().get("detail").asText()).isEqualTo("rate_limited");
    assertThat(refused.get(0).header("Retry-After")).isEqualTo("1");
    assertThat(quiet.get("/public/v1/tasks").status()).isEqualTo(200);
  }
}
