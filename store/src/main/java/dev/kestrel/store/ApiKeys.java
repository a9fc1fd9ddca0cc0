package dev.kestrel.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * API keys: {@code sk_live_<secret>}, 32 random bytes ({@link Secrets#newApiKey}). Stored only as
 * SHA-256 (the secret's entropy makes a slow hash unnecessary); shown once, at creation.
 */
public final class ApiKeys {
  public static final String PREFIX = "sk_live_";
  private static final Pattern WELL_FORMED = Pattern.compile("sk_live_[A-Za-z0-9_\\-]{16,200}");

  private ApiKeys() {}

  public static boolean isWellFormed(String key) {
    return key != null && WELL_FORMED.matcher(key).matches();
  }

  public static String hash(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of two hashes. */
  public static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  /** What operators see to tell keys apart: {@code sk_live_AbCd…}. */
  public static String displayPrefix(String key) {
    return key.substring(0, Math.min(key.length(), PREFIX.length() + 6));
  }
}
