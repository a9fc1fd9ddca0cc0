package dev.kestrel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
  private static final String SECRET = "wh_ab12_XYZsecret";
  private static final Instant NOW = Instant.parse("2025-10-14T18:21:52.123Z");
  private static final byte[] BODY = "{\"id\":\"r\"}".getBytes(StandardCharsets.UTF_8);

  private static WebhookVerifier verifier(String pepper) {
    return new WebhookVerifier(
        SECRET, pepper, Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  /** SPEC 7, computed here step by step, independently of the verifier. */
  private static String specSignature(String pepper, String t, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(pepper.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] key =
        mac.doFinal(
            "ab12_XYZsecret".getBytes(StandardCharsets.UTF_8)); // after the first underscore
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
    return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
  }

  @Test
  void acceptsTheSpecsSignatureWithTheDefaultAndAnOwnPepper() throws Exception {
    String t = "2025-10-14T18:21:50.000Z";
    assertThatCode(
            () -> verifier(null).verify(specSignature("komos-webhook-pepper", t, BODY), BODY))
        .doesNotThrowAnyException();
    assertThatCode(() -> verifier("own-pepper").verify(specSignature("own-pepper", t, BODY), BODY))
        .doesNotThrowAnyException();
    assertThat(verifier(null).sign(Instant.parse(t), BODY))
        .isEqualTo(specSignature("komos-webhook-pepper", "2025-10-14T18:21:50Z", BODY));
  }

  @Test
  void refusesAnotherBodyAnotherPepperAStaleTimestampAndGarbage() throws Exception {
    String t = "2025-10-14T18:21:50.000Z";
    String header = specSignature("komos-webhook-pepper", t, BODY);
    byte[] tampered = "{\"id\":\"s\"}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> verifier(null).verify(header, tampered))
        .hasMessageContaining("does not match");
    assertThatThrownBy(() -> verifier("other").verify(header, BODY))
        .hasMessageContaining("does not match");
    String stale = specSignature("komos-webhook-pepper", "2025-10-14T18:10:00.000Z", BODY);
    assertThatThrownBy(() -> verifier(null).verify(stale, BODY)).hasMessageContaining("from now");
    String future = specSignature("komos-webhook-pepper", "2025-10-14T18:40:00.000Z", BODY);
    assertThatThrownBy(() -> verifier(null).verify(future, BODY)).hasMessageContaining("from now");
    assertThatThrownBy(() -> verifier(null).verify(null, BODY))
        .isInstanceOf(WebhookSignatureException.class);
    assertThatThrownBy(() -> verifier(null).verify("v1=abc", BODY)).hasMessageContaining("lacks");
    assertThatThrownBy(() -> verifier(null).verify("t=yesterday,v1=abc", BODY))
        .hasMessageContaining("ISO");
  }
}
