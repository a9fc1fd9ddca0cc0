package dev.kestrel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is sealed opens only intact, for what it was sealed for, under a key the server holds. */
class SealerTest {
  @TempDir Path dataDir;

  private static final byte[] SECRET = "session=4f2c9a".getBytes(StandardCharsets.UTF_8);

  @Test
  void aSealedValueOpensForWhatItWasSealedForAndHidesThePlainText() {
    Sealer sealer = Sealer.open(null, dataDir);
    byte[] sealed = sealer.seal(SECRET, "run-1/step-2");

    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("session=4f2c9a");
    assertThat(sealer.open(sealed, "run-1/step-2")).isEqualTo(SECRET);
    assertThat(sealer.seal(SECRET, "run-1/step-2"))
        .as("a fresh nonce each time")
        .isNotEqualTo(sealed);
    assertThatThrownBy(() -> sealer.open(sealed, "run-2/step-2"))
        .isInstanceOf(Sealer.SealedValueException.class);
    sealed[sealed.length - 1] ^= 1;
    assertThatThrownBy(() -> sealer.open(sealed, "run-1/step-2"))
        .isInstanceOf(Sealer.SealedValueException.class);
    assertThatThrownBy(() -> sealer.open(new byte[3], "x"))
        .isInstanceOf(Sealer.SealedValueException.class);
  }

  @Test
  void theKeyFileIsMadeOnceInTheDataFolderReadableByItsOwnerOnly() throws Exception {
    Sealer first = Sealer.open(null, dataDir);
    Sealer again = Sealer.open(null, dataDir);
    Path file = dataDir.resolve(Sealer.KEY_FILE);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(again.currentKeyId()).isEqualTo(first.currentKeyId());
    assertThat(again.open(first.seal(SECRET, "a"), "a")).isEqualTo(SECRET);
  }

  @Test
  void keysRotateByIdTheFirstSealsAndEveryOneListedOpens() {
    byte[] oldKey = new byte[32];
    byte[] newKey = new byte[32];
    newKey[0] = 1;
    Sealer before = new Sealer(Map.of("old", oldKey));
    byte[] sealedBefore = before.seal(SECRET, "a");
    Map<String, byte[]> rotated = new LinkedHashMap<>();
    rotated.put("new", newKey);
    rotated.put("old", oldKey);
    Sealer after = new Sealer(rotated);

    assertThat(after.currentKeyId()).isEqualTo("new");
    assertThat(after.open(sealedBefore, "a")).isEqualTo(SECRET);
    assertThatThrownBy(() -> before.open(after.seal(SECRET, "a"), "a"))
        .isInstanceOf(Sealer.SealedValueException.class)
        .hasMessageContaining("key new");
  }

  @Test
  void keysFromTheEnvironmentAreIdAndBase64AndMustBe32Bytes() {
    String key = Base64.getEncoder().encodeToString(new byte[32]);
    assertThat(Sealer.open("k1:" + key + ",k0:" + key, dataDir).currentKeyId()).isEqualTo("k1");
    assertThat(Files.exists(dataDir.resolve(Sealer.KEY_FILE)))
        .as("no key file when the environment holds the keys")
        .isFalse();
    assertThatThrownBy(
            () -> Sealer.open("k1:" + Base64.getEncoder().encodeToString(new byte[16]), dataDir))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
