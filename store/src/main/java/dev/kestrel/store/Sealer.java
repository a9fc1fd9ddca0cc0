package dev.kestrel.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals what is a credential at rest (browser checkpoints, and later profiles, proxy passwords,
 * secret inputs): AES-256-GCM from the JDK, a fresh 96-bit nonce per value, and associated data
 * that binds a sealed value to what it belongs to (its run and step), so that one cannot be passed
 * off as another's. Every sealed value names its key, so keys rotate: the first key seals, every
 * key listed opens.
 *
 * <p>A sealed value is {@code "KS1" | key id length (1 byte) | key id | nonce (12) | ciphertext and
 * tag}.
 */
public final class Sealer {
  private static final byte[] MAGIC = "KS1".getBytes(StandardCharsets.US_ASCII);
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The key file's name in the data folder. */
  public static final String KEY_FILE = "sealing.keys";

  private final String currentId;
  private final Map<String, SecretKey> keys;

  /** {@code keys}: id to 32-byte key, the first the one that seals. */
  public Sealer(Map<String, byte[]> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no sealing key");
    }
    this.keys = new LinkedHashMap<>();
    keys.forEach(
        (id, key) -> {
          if (key.length != 32
              || id.isEmpty()
              || id.length() > 64
              || !id.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException(
                "a sealing key is 32 bytes with an id of letters, digits, - or _ (key " + id + ")");
          }
          this.keys.put(id, new SecretKeySpec(key, "AES"));
        });
    this.currentId = keys.keySet().iterator().next();
  }

  /**
   * The keys from {@code environment} when it is set ({@code id:base64,id:base64}, the first
   * sealing), else from the key file in {@code dataDir}, created with one new key (mode 0600) on
   * first use.
   */
  public static Sealer open(String environment, Path dataDir) {
    if (environment != null && !environment.isBlank()) {
      return new Sealer(parse(environment));
    }
    Path file = dataDir.resolve(KEY_FILE);
    try {
      if (!Files.exists(file)) {
        createKeyFile(dataDir, file);
      }
      return new Sealer(parse(String.join(",", Files.readAllLines(file))));
    } catch (IOException e) {
      throw new UncheckedIOException("the sealing keys in " + file + " cannot be read or made", e);
    }
  }

  /**
   * Writes a new key to a file of its own (mode 0600) and links it in place: processes starting at
   * once on one data folder (a server and its workers) all read the one that got there first, never
   * a file half written.
   */
  private static void createKeyFile(Path dataDir, Path file) throws IOException {
    Files.createDirectories(dataDir);
    byte[] key = random(32);
    String line =
        HexFormat.of().formatHex(random(4)) + ":" + Base64.getEncoder().encodeToString(key) + "\n";
    Path pending =
        Files.createTempFile(
            dataDir,
            KEY_FILE,
            ".new",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(pending, line, StandardOpenOption.TRUNCATE_EXISTING);
      Files.createLink(file, pending);
    } catch (java.nio.file.FileAlreadyExistsException another) {
      // Another process made it first: its key is the one.
    } finally {
      Files.deleteIfExists(pending);
    }
  }

  /** {@code id:base64[,id:base64...]}; blank entries are skipped. */
  static Map<String, byte[]> parse(String text) {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    for (String entry : List.of(text.split("[,\\s]+"))) {
      if (entry.isBlank()) {
        continue;
      }
      int colon = entry.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            "a sealing key is id:base64, got an entry without an id");
      }
      keys.put(entry.substring(0, colon), Base64.getDecoder().decode(entry.substring(colon + 1)));
    }
    return keys;
  }

  /** The id of the key that seals. */
  public String currentKeyId() {
    return currentId;
  }

  public byte[] seal(byte[] plain, String associatedData) {
    byte[] nonce = random(NONCE_BYTES);
    byte[] id = currentId.getBytes(StandardCharsets.US_ASCII);
    byte[] sealed;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      sealed = cipher.doFinal(plain);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
    return ByteBuffer.allocate(MAGIC.length + 1 + id.length + NONCE_BYTES + sealed.length)
        .put(MAGIC)
        .put((byte) id.length)
        .put(id)
        .put(nonce)
        .put(sealed)
        .array();
  }

  /**
   * The value {@code sealed} holds, if it was sealed for {@code associatedData} by one of these
   * keys and is intact.
   *
   * @throws SealedValueException when it is not
   */
  public byte[] open(byte[] sealed, String associatedData) {
    ByteBuffer in = ByteBuffer.wrap(sealed);
    byte[] magic = new byte[MAGIC.length];
    if (sealed.length < MAGIC.length + 1 + NONCE_BYTES) {
      throw new SealedValueException("not a sealed value");
    }
    in.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new SealedValueException("not a sealed value");
    }
    int idLength = in.get() & 0xff;
    if (in.remaining() < idLength + NONCE_BYTES) {
      throw new SealedValueException("a sealed value cut short");
    }
    byte[] id = new byte[idLength];
    in.get(id);
    String keyId = new String(id, StandardCharsets.US_ASCII);
    SecretKey key = keys.get(keyId);
    if (key == null) {
      throw new SealedValueException(
          "sealed with key " + keyId + ", which this server does not hold");
    }
    byte[] nonce = new byte[NONCE_BYTES];
    in.get(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(sealed, in.position(), in.remaining());
    } catch (javax.crypto.AEADBadTagException e) {
      throw new SealedValueException(
          "a sealed value that was altered, or sealed for something else");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * A keyed digest of {@code data} (HMAC-SHA256, base64url) under a key derived from the sealing
   * key for {@code purpose} alone: what signs an input link, and fingerprints a secret input so
   * that the same answer sent twice is known without keeping it. After a key rotation, digests of
   * the old key no longer match.
   */
  public String mac(String purpose, String data) {
    try {
      javax.crypto.Mac derive = javax.crypto.Mac.getInstance("HmacSHA256");
      derive.init(new SecretKeySpec(keys.get(currentId).getEncoded(), "HmacSHA256"));
      byte[] key = derive.doFinal(("kestrel-mac/" + purpose).getBytes(StandardCharsets.UTF_8));
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  private static byte[] random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return b;
  }

  /**
   * A sealed value that cannot be opened: altered, cut, for something else, or under an unknown
   * key.
   */
  public static final class SealedValueException extends RuntimeException {
    SealedValueException(String message) {
      super(message, null, false, false);
    }
  }
}
