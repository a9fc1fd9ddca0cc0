package dev.kestrel.store.records;

import java.security.Principal;

/** An organization: the tenant every task, run and key belongs to, and the API's principal. */
public record Organization(
    String id, String name, String publicUrl, String webhookPepper, Integer monthlyRunLimit, long createdAt)
    implements Principal {

  @Override
  public String getName() {
    return name;
  }
}
