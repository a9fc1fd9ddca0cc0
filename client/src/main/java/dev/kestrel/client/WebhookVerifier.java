package dev.kestrel.client;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks {@code x-komos-signature: t=<ISO timestamp>,v1=<hex>} of a webhook (SPEC 7): {@code v1}
 * must be HMAC-SHA256 of {@code <t>.<raw body>} under the endpoint's signing key, and {@code t}
 * within the tolerance of now, so a captured delivery cannot be replayed later. Verify the raw
 * bytes as received, before parsing them.
 *
 * <pre>{@code
 * WebhookVerifier verifier = new WebhookVerifier(secret);               // wh_..., shown at creation
 * verifier.verify(request.header("x-komos-signature"), request.bodyBytes());
 * }</pre>
 */
public final class WebhookVerifier {
  /** The pepper Komos uses unless an organization sets its own. */
  public static final String DEFAULT_PEPPER = "komos-webhook-pepper";

  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private final byte[] signingKey;
  private final Duration tolerance;
  private final Clock clock;

  public WebhookVerifier(String secret) {
    this(secret, DEFAULT_PEPPER, DEFAULT_TOLERANCE, Clock.systemUTC());
  }

  /**
   * {@code pepper} null means the default; {@code tolerance} bounds the age (and skew) of {@code
   * t}.
   */
  public WebhookVerifier(String secret, String pepper, Duration tolerance, Clock clock) {
    int underscore = secret.indexOf('_');
    String raw = underscore < 0 ? secret : secret.substring(underscore + 1);
    String effectivePepper = pepper == null || pepper.isEmpty() ? DEFAULT_PEPPER : pepper;
    this.signingKey =
        hmac(
            effectivePepper.getBytes(StandardCharsets.UTF_8), raw.getBytes(StandardCharsets.UTF_8));
    this.tolerance = tolerance;
    this.clock = clock;
  }

  /**
   * @throws WebhookSignatureException when the header is missing, malformed, stale or does not
   *     match
   */
  public void verify(String signatureHeader, byte[] body) throws WebhookSignatureException {
    if (signatureHeader == null) {
      throw new WebhookSignatureException("no x-komos-signature header");
    }
    String t = null;
    String v1 = null;
    for (String part : signatureHeader.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        String name = part.substring(0, eq).trim();
        if (name.equals("t")) {
          t = part.substring(eq + 1).trim();
        } else if (name.equals("v1")) {
          v1 = part.substring(eq + 1).trim();
        }
      }
    }
    if (t == null || v1 == null) {
      throw new WebhookSignatureException("x-komos-signature lacks t or v1");
    }
    Instant sent;
    try {
      sent = Instant.parse(t);
    } catch (DateTimeParseException e) {
      throw new WebhookSignatureException("t is not an ISO timestamp: " + t);
    }
    if (Duration.between(sent, clock.instant()).abs().compareTo(tolerance) > 0) {
      throw new WebhookSignatureException("t " + t + " is more than " + tolerance + " from now");
    }
    byte[] expected =
        HexFormat.of()
            .formatHex(hmac(signingKey, message(t, body)))
            .getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, v1.getBytes(StandardCharsets.US_ASCII))) {
      throw new WebhookSignatureException("v1 does not match the body");
    }
  }

  /** The header Kestrel would send for {@code body} at {@code t}: for a receiver's own tests. */
  public String sign(Instant t, byte[] body) {
    String stamp = t.toString();
    return "t=" + stamp + ",v1=" + HexFormat.of().formatHex(hmac(signingKey, message(stamp, body)));
  }

  private static byte[] message(String t, byte[] body) {
    byte[] prefix = (t + ".").getBytes(StandardCharsets.UTF_8);
    byte[] message = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, message, 0, prefix.length);
    System.arraycopy(body, 0, message, prefix.length, body.length);
    return message;
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
