package dev.kestrel.activities.browser;

import dev.kestrel.activities.egress.EgressProxy;
import dev.kestrel.model.StepFile;
import dev.kestrel.store.Profiles;
import dev.kestrel.store.Sealer;
import dev.kestrel.store.UploadFiles;
import dev.kestrel.store.db.ProxyDao;
import dev.kestrel.store.records.ProxyRecord;
import dev.kestrel.workflows.RunInput;
import dev.kestrel.workflows.SealedText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;

/**
 * Opens what the API sealed for a run, on the worker, right before the run uses it: the secret
 * inputs a step types ({@link SealedText}), the files an upload step puts in a page ({@link
 * UploadFiles}), and the profile a browser starts from ({@link Profiles}). Nowhere else are they in
 * clear.
 */
public final class SealedInputs {
  private final Sealer sealer;
  private final UploadFiles files;
  private final Profiles profiles;
  private final ProxyDao proxies;

  public SealedInputs(Sealer sealer, UploadFiles files, Profiles profiles, ProxyDao proxies) {
    this.sealer = sealer;
    this.files = files;
    this.profiles = profiles;
    this.proxies = proxies;
  }

  /** What a proxy's password is sealed for: the proxy, so that it opens for no other. */
  public static String proxyPasswordOf(String proxyId) {
    return "proxy/" + proxyId;
  }

  /**
   * The upstream proxy a run names, its password opened (SPEC 12).
   *
   * @throws StepFailedException when it was deleted, or its password cannot be opened
   */
  EgressProxy.Upstream upstream(RunInput.ProxyUse use) {
    ProxyRecord proxy =
        proxies
            .findById(use.proxyId())
            .orElseThrow(
                () -> new StepFailedException("the proxy '" + use.name() + "' was deleted"));
    String password = null;
    if (proxy.hasPassword()) {
      try {
        password =
            new String(
                sealer.open(proxy.passwordSealed(), proxyPasswordOf(proxy.id())),
                StandardCharsets.UTF_8);
      } catch (Sealer.SealedValueException e) {
        throw new StepFailedException(
            "the password of the proxy '" + use.name() + "' cannot be opened: " + e.getMessage());
      }
    }
    java.net.URI server = java.net.URI.create(proxy.server());
    return new EgressProxy.Upstream(
        proxy.name(), server.getHost(), server.getPort(), proxy.username(), password);
  }

  /**
   * The state of the profile version a run starts from (SPEC 12).
   *
   * @throws Profiles.ProfileUnavailable when it is no longer kept, or cannot be opened
   */
  byte[] profile(String profileId, int version) {
    return profiles.open(profileId, version);
  }

  /**
   * The bytes of the file an upload step of run {@code runId} puts in the page.
   *
   * @throws StepFailedException when the run does not keep it, or it cannot be opened
   */
  byte[] file(String runId, StepFile file) {
    if (!file.kept()) {
      throw new StepFailedException(
          "the upload's file "
              + (file.fromInput() ? file.template() + " names no file input" : "is not kept"));
    }
    try {
      return files.open(runId, file.sha256());
    } catch (UploadFiles.FileUnavailable e) {
      throw new StepFailedException("the upload's file " + file.name() + ": " + e.getMessage());
    }
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
