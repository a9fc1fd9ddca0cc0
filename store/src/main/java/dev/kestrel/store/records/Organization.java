package dev.kestrel.store.records;

import java.security.Principal;

/**
 * An organization: the tenant every task, run and key belongs to, and the API's principal.
 *
 * @param fairShare its own caps, each null where the server's configured default applies
 */
public record Organization(
    String id,
    String name,
    String publicUrl,
    String webhookPepper,
    Integer monthlyRunLimit,
    FairShare fairShare,
    long createdAt)
    implements Principal {

  /** Caps that keep one organization from crowding out the others; null: the server's default. */
  public record FairShare(
      Integer maxActiveRuns, Integer requestsPerSecond, Integer maxWaitingRequests) {
    public static final FairShare DEFAULTS = new FairShare(null, null, null);

    public int maxActiveRuns(int serverDefault) {
      return maxActiveRuns != null ? maxActiveRuns : serverDefault;
    }

    public int requestsPerSecond(int serverDefault) {
      return requestsPerSecond != null ? requestsPerSecond : serverDefault;
    }

    public int maxWaitingRequests(int serverDefault) {
      return maxWaitingRequests != null ? maxWaitingRequests : serverDefault;
    }
  }

  @Override
  public String getName() {
    return name;
  }
}
