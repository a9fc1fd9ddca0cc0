package dev.kestrel.store;

import dev.kestrel.model.WaitingFor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The links a person answers an input step on without an API key (SPEC 10): {@code
 * /input/<runId>/<wait>.<expires>.<signature>}, bound to one run, one wait of it and an expiry by a
 * signature only this server's key makes. Nothing is stored: the link is made again whenever the
 * run is shown, and checked by making its signature again.
 */
public final class InputLinks {
  /** Where the links are served. */
  public static final String PATH = "/input";

  private static final Pattern TOKEN =
      Pattern.compile("([0-9]{1,9})\\.([0-9]{1,12})\\.([A-Za-z0-9_-]{43})");

  private final Sealer sealer;

  public InputLinks(Sealer sealer) {
    this.sealer = sealer;
  }

  /** What a valid link names: the wait it answers, and when it expires. */
  public record Link(int waitNumber, long expiresAtMillis) {
    public boolean expired(long nowMillis) {
      return nowMillis >= expiresAtMillis;
    }
  }

  /** The link's path (after the public URL) for the run's wait. */
  public String path(String runId, WaitingFor waiting) {
    // Never later than the wait itself: a link outlives no wait.
    long expires = Math.floorDiv(waiting.expiresAtMillis(), 1000);
    return PATH
        + "/"
        + runId
        + "/"
        + waiting.waitNumber()
        + "."
        + expires
        + "."
        + sign(runId, waiting.waitNumber(), expires);
  }

  /** The link {@code token} names, when it was made by this server for run {@code runId}. */
  public Optional<Link> verify(String runId, String token) {
    Matcher m = TOKEN.matcher(token == null ? "" : token);
    if (!m.matches()) {
      return Optional.empty();
    }
    int wait = Integer.parseInt(m.group(1));
    long expires = Long.parseLong(m.group(2));
    byte[] expected = sign(runId, wait, expires).getBytes(StandardCharsets.US_ASCII);
    byte[] given = m.group(3).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, given)) {
      return Optional.empty();
    }
    return Optional.of(new Link(wait, expires * 1000));
  }

  private String sign(String runId, int wait, long expiresSeconds) {
    return sealer.mac("input-link", runId + "/" + wait + "/" + expiresSeconds);
  }
}
