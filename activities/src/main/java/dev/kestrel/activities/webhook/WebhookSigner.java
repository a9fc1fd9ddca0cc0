package dev.kestrel.activities.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Komos webhook signatures (SPEC 7); secrets are issued by the store ({@code Secrets}). The signing
 * key is HMAC-SHA256(pepper, raw secret), where the raw secret is what follows the first underscore
 * of {@code wh_<prefix>_<secret>}; the signature is HMAC-SHA256(signing key, "{t}.{body}") in
 * lowercase hex.
 */
public final class WebhookSigner {
  public static final String DEFAULT_PEPPER = "komos-webhook-pepper";
  private static final HexFormat HEX = HexFormat.of();

  private WebhookSigner() {}

  /** The value of {@code x-komos-signature} for a body sent at timestamp {@code t}. */
  public static String signatureHeader(String secret, String pepper, String t, byte[] body) {
    byte[] key =
        hmac(
            pepperOrDefault(pepper).getBytes(StandardCharsets.UTF_8),
            rawSecret(secret).getBytes(StandardCharsets.UTF_8));
    byte[] prefix = (t + ".").getBytes(StandardCharsets.UTF_8);
    byte[] message = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, message, 0, prefix.length);
    System.arraycopy(body, 0, message, prefix.length, body.length);
    return "t=" + t + ",v1=" + HEX.formatHex(hmac(key, message));
  }

  static String rawSecret(String secret) {
    int underscore = secret.indexOf('_');
    return underscore < 0 ? secret : secret.substring(underscore + 1);
  }

  private static String pepperOrDefault(String pepper) {
    return pepper == null || pepper.isEmpty() ? DEFAULT_PEPPER : pepper;
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
