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
      assertThat(policy.refusal("http://metadata.google.internal/computeMetadata/v1/"))
          .contains("metadata");
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

  @Test
  void addressesAreReadAsBrowsersReadThem() {
    for (String loopback :
        new String[] {
          "http://0x7f000001/",
          "http://0177.0.0.1/",
          "http://2130706433/",
          "http://127.1/",
          "http://0x7f.1/",
          "http://[::ffff:127.0.0.1]/",
          "http://[::ffff:7f00:1]/",
          "http://[::127.0.0.1]/",
          "http://localhost./",
          "http://LOCALHOST/",
          "http://foo.localhost/",
          "http://foo.localhost.:8080/",
          "http://0.0.0.0/",
          "http://[::]/"
        }) {
      assertThat(strict.refusal(loopback)).as(loopback).isNotNull();
    }
    assertThat(strict.refusal("http://0xa9fea9fe/")).contains("metadata");
    assertThat(strict.refusal("http://025177524776/")).contains("metadata");
    assertThat(developer.refusal("http://metadata.google.internal./")).contains("metadata");
    assertThat(developer.refusal("http://[::ffff:169.254.169.254]/")).contains("metadata");
    assertThat(developer.refusal("http://[64:ff9b::a9fe:a9fe]/")).contains("metadata");
    assertThat(strict.refusal("http://[::ffff:10.0.0.1]/")).contains("private");
  }

  @Test
  void theHostsOwnPortsAreRefusedEvenWhereLoopbackIsAllowed() {
    EgressPolicy policy = new EgressPolicy(true, true);
    policy.protectPort(8081);
    assertThat(policy.refusal("http://127.0.0.1:8081/healthcheck")).contains("own services");
    assertThat(policy.refusal("http://localhost.:8081/")).contains("own services");
    assertThat(policy.refusal("http://[::1]:8081/")).contains("own services");
    assertThat(policy.refusal("http://127.0.0.1:8082/")).isNull();
    assertThat(policy.decide("127.0.0.1", 8081).refused()).isTrue();
  }

  @Test
  void connectionsNeedANameThatResolvesAndGoToTheAddressChecked() {
    EgressPolicy.Decision unknown = developer.decide("no-such-host.invalid", 80);
    assertThat(unknown.refused()).isTrue();
    assertThat(unknown.unresolved()).isTrue();
    // Stored URLs are judged now and again at each connection.
    assertThat(developer.refusal("https://no-such-host.invalid/hook")).isNull();
    EgressPolicy.Decision literal = developer.decide("0x7f000001", 80);
    assertThat(literal.addresses())
        .extracting(java.net.InetAddress::getHostAddress)
        .containsExactly("127.0.0.1");
  }
}
