package dev.kestrel.server.core;

import dev.kestrel.store.ApiKeys;
import dev.kestrel.store.Secrets;
import dev.kestrel.store.db.ApiKeyDao;
import dev.kestrel.store.db.OrganizationDao;
import dev.kestrel.store.records.ApiKey;
import dev.kestrel.store.records.Organization;

/** Operator actions on organizations and keys, shared by the CLI commands and the bootstrap. */
public final class Organizations {
  private final OrganizationDao organizations;
  private final ApiKeyDao keys;

  public Organizations(OrganizationDao organizations, ApiKeyDao keys) {
    this.organizations = organizations;
    this.keys = keys;
  }

  public record IssuedKey(ApiKey key, String secret) {}

  public Organization create(String name, Integer monthlyRunLimit, String publicUrl) {
    if (organizations.findByName(name).isPresent()) {
      throw new IllegalArgumentException("organization '" + name + "' exists already");
    }
    return organizations.create(name, monthlyRunLimit, publicUrl);
  }

  public Organization require(String name) {
    return organizations
        .findByName(name)
        .orElseThrow(() -> new IllegalArgumentException("no organization named '" + name + "'"));
  }

  /**
   * Sets an organization's monthly run limit and fair-share caps, all at once: what is null is
   * cleared (no monthly limit; the server's default cap).
   */
  public Organization setLimits(
      String organizationName, Integer monthlyRunLimit, Organization.FairShare fairShare) {
    Organization org = require(organizationName);
    organizations.setLimits(org.id(), monthlyRunLimit, fairShare);
    return require(organizationName);
  }

  /** A new key; its secret is returned here and never again. */
  public IssuedKey issueKey(String organizationName, String label) {
    Organization org = require(organizationName);
    String secret = Secrets.newApiKey();
    ApiKey key = keys.insert(org.id(), ApiKeys.hash(secret), ApiKeys.displayPrefix(secret), label);
    return new IssuedKey(key, secret);
  }

  public void revokeKey(String keyId) {
    if (!keys.revoke(keyId)) {
      throw new IllegalArgumentException("no active key with id " + keyId);
    }
  }

  /** Null or empty goes back to the default pepper. */
  public void setWebhookPepper(String organizationName, String pepper) {
    if (pepper != null && (pepper.isBlank() || pepper.length() > 200)) {
      throw new IllegalArgumentException("a pepper has 1 to 200 characters");
    }
    organizations.setWebhookPepper(require(organizationName).id(), pepper);
  }

  /**
   * Makes sure {@code organizationName} exists and holds {@code secret}
   * (KESTREL_BOOTSTRAP_API_KEY).
   */
  public void ensureKey(String organizationName, String secret) {
    if (!ApiKeys.isWellFormed(secret)) {
      throw new IllegalArgumentException(
          "the bootstrap API key must look like sk_live_ followed by at least 16 letters, digits, '_' or '-'");
    }
    Organization org =
        organizations
            .findByName(organizationName)
            .orElseGet(() -> organizations.create(organizationName, null, null));
    String hash = ApiKeys.hash(secret);
    var owner = keys.organizationOfHash(hash);
    if (owner.isEmpty()) {
      keys.insert(org.id(), hash, ApiKeys.displayPrefix(secret), "bootstrap");
    } else if (!owner.get().equals(org.id())) {
      throw new IllegalArgumentException("the bootstrap API key belongs to another organization");
    }
  }
}
