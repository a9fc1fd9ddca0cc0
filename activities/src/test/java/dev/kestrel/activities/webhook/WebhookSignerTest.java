package dev.kestrel.activities.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Known answers computed apart from this code (Python's hmac module) from SPEC 7's recipe. */
class WebhookSignerTest {
  static final String T = "2025-10-14T18:21:52.123Z";
  static final byte[] BODY = "{\"run\":\"é\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void signsWithTheDefaultPepper() {
    assertThat(WebhookSigner.signatureHeader("wh_ab12_XYZ", null, T, BODY))
        .isEqualTo(
            "t=" + T + ",v1=e7cdac770d79452cbb7cb65e1952535e298d8a48c0f1313d02eb34a1a45f3a5a");
  }

  @Test
  void signsWithAnOrganizationsPepper() {
    assertThat(WebhookSigner.signatureHeader("wh_ab12_XYZ", "org-pepper", T, BODY))
        .isEqualTo(
            "t=" + T + ",v1=df18c6f91e220c2ff30c1cf1a1f7a93b3e5434ca73efd2101164de67d320d4e9");
  }

  @Test
  void theRawSecretIsEverythingAfterTheFirstUnderscore() {
    assertThat(WebhookSigner.rawSecret("wh_ab12_XYZ")).isEqualTo("ab12_XYZ");
  }
}
