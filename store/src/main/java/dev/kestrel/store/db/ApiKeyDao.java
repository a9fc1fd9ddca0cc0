package dev.kestrel.store.db;

import dev.kestrel.store.records.ApiKey;
import dev.kestrel.store.records.Organization;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

public class ApiKeyDao {
  private final Jdbi jdbi;

  public ApiKeyDao(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public ApiKey insert(String organizationId, String keyHash, String prefix, String label) {
    ApiKey key =
        new ApiKey(
            UUID.randomUUID().toString(),
            organizationId,
            prefix,
            label,
            System.currentTimeMillis(),
            null);
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO api_keys (id, organization_id, key_hash, key_prefix, label, created_at) "
                        + "VALUES (:id, :org, :hash, :prefix, :label, :createdAt)")
                .bind("id", key.id())
                .bind("org", organizationId)
                .bind("hash", keyHash)
                .bind("prefix", prefix)
                .bind("label", label)
                .bind("createdAt", key.createdAt())
                .execute());
    return key;
  }

  /** The organization holding an active key with this hash, and the stored hash to compare. */
  public Optional<HashedOwner> findActiveOwner(String keyHash) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT k.key_hash, o.id, o.name, o.public_url, o.webhook_pepper, "
                        + "o.monthly_run_limit, o.max_active_runs, o.requests_per_second, o.max_waiting_requests, "
                        + "o.created_at FROM api_keys k "
                        + "JOIN organizations o ON o.id = k.organization_id "
                        + "WHERE k.key_hash = :hash AND k.revoked_at IS NULL")
                .bind("hash", keyHash)
                .map(
                    (rs, ctx) ->
                        new HashedOwner(rs.getString("key_hash"), OrganizationDao.map(rs, ctx)))
                .findOne());
  }

  /** Whether a key with this hash exists at all (active or revoked) and in which organization. */
  public Optional<String> organizationOfHash(String keyHash) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT organization_id FROM api_keys WHERE key_hash = :hash")
                .bind("hash", keyHash)
                .mapTo(String.class)
                .findOne());
  }

  public boolean revoke(String keyId) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                    .bind("now", System.currentTimeMillis())
                    .bind("id", keyId)
                    .execute())
        == 1;
  }

  public List<ApiKey> list(String organizationId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, organization_id, key_prefix, label, created_at, revoked_at FROM api_keys "
                        + "WHERE organization_id = :org ORDER BY created_at")
                .bind("org", organizationId)
                .map(
                    (rs, ctx) -> {
                      long revoked = rs.getLong("revoked_at");
                      Long revokedAt = rs.wasNull() ? null : revoked;
                      return new ApiKey(
                          rs.getString("id"),
                          rs.getString("organization_id"),
                          rs.getString("key_prefix"),
                          rs.getString("label"),
                          rs.getLong("created_at"),
                          revokedAt);
                    })
                .list());
  }

  public record HashedOwner(String keyHash, Organization organization) {}
}
