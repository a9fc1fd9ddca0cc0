package dev.kestrel.store;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** The secrets this service issues. Each is shown once, in the answer that creates it. */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** An API key: {@code sk_live_} and 32 random bytes, base64url. */
  public static String newApiKey() {
    return ApiKeys.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random(32));
  }

  /**
   * A webhook endpoint secret: {@code wh_}, 8 hex digits, {@code _} and 48 hex digits (192 bits).
   */
  public static String newWebhookSecret() {
    return "wh_" + HexFormat.of().formatHex(random(4)) + "_" + HexFormat.of().formatHex(random(24));
  }

  private static byte[] random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return b;
  }
}
