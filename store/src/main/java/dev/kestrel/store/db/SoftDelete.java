package dev.kestrel.store.db;

import org.jdbi.v3.core.Jdbi;

/**
 * Deleting is soft for tasks and webhook endpoints: the row is hidden from every read (each query
 * says {@code deleted_at IS NULL}) and kept for what points at it (runs, deliveries).
 */
final class SoftDelete {
  private SoftDelete() {}

  /**
   * Hides the organization's row {@code id} of {@code table}; false when there was none to hide.
   */
  static boolean hide(Jdbi jdbi, String table, String organizationId, String id) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE "
                            + table
                            + " SET deleted_at = :now "
                            + "WHERE id = :id AND organization_id = :org AND deleted_at IS NULL")
                    .bind("now", System.currentTimeMillis())
                    .bind("id", id)
                    .bind("org", organizationId)
                    .execute())
        == 1;
  }
}
