package dev.kestrel.workflows;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a secret input travels from the API to the worker that types it: sealed (AES-GCM, bound to
 * its run), written into the step's text as {@code {{sealed:<base64url>}}}. The workflow only
 * copies it; the worker opens it right before typing and logs {@code ••••} in its place.
 */
public final class SealedText {
  /** What stands in a log line or a message for a secret. */
  public static final String MASK = "••••";

  public static final Pattern TOKEN = Pattern.compile("\\{\\{sealed:([A-Za-z0-9_-]+)}}");

  private SealedText() {}

  /** The token for {@code sealed} (the sealer's bytes, base64url). */
  public static String token(String sealedBase64Url) {
    return "{{sealed:" + sealedBase64Url + "}}";
  }

  /** Whether {@code text} holds a sealed value. */
  public static boolean holdsSecret(String text) {
    return text != null && TOKEN.matcher(text).find();
  }

  /** {@code text} with each sealed value shown as {@link #MASK}. */
  public static String masked(String text) {
    return text == null ? null : TOKEN.matcher(text).replaceAll(Matcher.quoteReplacement(MASK));
  }

  /** What the sealed data in a run's secret inputs is bound to (the sealer's associated data). */
  public static String boundTo(String runId) {
    return "secret-input/" + runId;
  }
}
