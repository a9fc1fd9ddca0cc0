package dev.kestrel.activities.egress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EgressPolicyTest {
  final EgressPolicy strict = new EgressPolicy(false, false);
  final EgressPolicy developer = new EgressPolicy(true, true);

  @Test
  void linkLocalAndCloudMetadataAreRefusedAlways() {
    for (EgressPolicy policy : new EgressPolicy[] {strict, developer}) {
      assertThat(policy.refusal("http://169.254.169.254/latest/meta-data/")).contains("metadata");
      assertThat(policy.refusal("http://169.254.10.1/")).contains("link-local");
      assertThat(policy.refusal("http://[fe80::1]/")).contains("link-local");
      assertThat(policy.refusal("http://metadata.google.internal/computeMetadata/v1/")).contains("metadata");
      assertThat(policy.refusal("http://100.100.100.200/")).contains("metadata");
    }
  }

  @Test
  void loopbackAndPrivateFollowTheConfiguration() {
    assertThat(strict.refusal("http://127.0.0.1:8080/")).contains("loopback");
    assertThat(strict.refusal("http://[::1]/")).contains("loopback");
    assertThat(strict.refusal("http://10.1.2.3/")).contains("private");
    assertThat(strict.refusal("http://192.168.1.1/")).contains("private");
    assertThat(strict.refusal("http://100.64.0.1/")).contains("private");
    assertThat(developer.refusal("http://127.0.0.1:8080/")).isNull();
    assertThat(developer.refusal("http://10.1.2.3/")).isNull();
  }

  @Test
  void onlyWebSchemesLeaveTheBrowser() {
    assertThat(developer.refusal("file:///etc/passwd")).contains("scheme");
    assertThat(developer.refusal("chrome://settings")).contains("scheme");
    assertThat(developer.refusal("data:text/html,<p>hi</p>")).isNull();
    assertThat(developer.refusal("about:blank")).isNull();
  }
}
