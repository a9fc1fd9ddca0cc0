package dev.kestrel.activities.browser;

import dev.kestrel.store.Sealer;
import dev.kestrel.workflows.SealedText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;

/**
 * Opens the secret inputs a step types (sealed by the API, {@link SealedText}) on the worker, right
 * before they are typed; nowhere else are they in clear.
 */
public final class SecretInputs {
  private final Sealer sealer;

  public SecretInputs(Sealer sealer) {
    this.sealer = sealer;
  }

  /** Text with its secrets opened, and the secrets, to keep them out of any message. */
  record Revealed(String text, List<String> secrets) {
    boolean holdsSecrets() {
      return !secrets.isEmpty();
    }

    /** {@code message} with every secret in it shown as {@link SealedText#MASK}. */
    String mask(String message) {
      String masked = message;
      for (String secret : secrets) {
        if (!secret.isEmpty()) {
          masked = masked.replace(secret, SealedText.MASK);
        }
      }
      return masked;
    }
  }

  /**
   * {@code text} of run {@code runId} with its sealed values opened.
   *
   * @throws StepFailedException when one cannot be opened (altered, another run's, an unknown key)
   */
  Revealed reveal(String runId, String text) {
    if (!SealedText.holdsSecret(text)) {
      return new Revealed(text, List.of());
    }
    List<String> secrets = new ArrayList<>();
    Matcher m = SealedText.TOKEN.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String secret;
      try {
        secret =
            new String(
                sealer.open(Base64.getUrlDecoder().decode(m.group(1)), SealedText.boundTo(runId)),
                StandardCharsets.UTF_8);
      } catch (Sealer.SealedValueException | IllegalArgumentException e) {
        throw new StepFailedException("a secret input could not be opened: " + e.getMessage());
      }
      secrets.add(secret);
      m.appendReplacement(out, Matcher.quoteReplacement(secret));
    }
    m.appendTail(out);
    return new Revealed(out.toString(), secrets);
  }
}
