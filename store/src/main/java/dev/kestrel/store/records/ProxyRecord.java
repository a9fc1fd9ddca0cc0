package dev.kestrel.store.records;

/**
 * An upstream proxy: {@code server} is {@code http://host:port}; the password, when there is one,
 * is only ever held sealed.
 */
public record ProxyRecord(
    String id,
    String organizationId,
    String name,
    String server,
    String username,
    byte[] passwordSealed,
    long createdAt) {

  public boolean hasPassword() {
    return passwordSealed != null;
  }
}
