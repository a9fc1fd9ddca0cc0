package dev.kestrel.api.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * API keys: {@code sk_live_<secret>}, 32 random bytes. Stored only as SHA-256 (the secret's
 * entropy makes a slow hash unnecessary); shown once, at creation.
 */
public final class ApiKeys {
  public static final String PREFIX = "sk_live_";
  private static final Pattern WELL_FORMED = Pattern.compile("sk_live_[A-Za-z0-9_\\-]{16,200}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {}

  public static String generate() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  public static boolean isWellFormed(String key) {
    return key != null && WELL_FORMED.matcher(key).matches();
  }

  public static String hash(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of two hashes. */
  public static boolean sameHash(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  /** What operators see to tell keys apart: {@code sk_live_AbCd…}. */
  public static String displayPrefix(String key) {
    return key.substring(0, Math.min(key.length(), PREFIX.length() + 6));
  }
}
