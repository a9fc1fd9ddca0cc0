package dev.kestrel.store.db;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Schema migrations (Flyway, the same SQL on H2 and PostgreSQL) and store-wide helpers. */
public final class Database {
  private Database() {}

  public static void migrate(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
  }

  /**
   * Locks the organization's row until the end of the transaction: what is counted against an
   * organization's limit and then inserted is decided one request at a time.
   */
  public static void lockOrganization(Handle h, String organizationId) {
    h.createQuery("SELECT id FROM organizations WHERE id = :id FOR UPDATE")
        .bind("id", organizationId)
        .mapTo(String.class)
        .findOne();
  }

  /** What an insert of a named, capped object (a profile, a proxy) came to. */
  public enum NamedInsert {
    CREATED,
    NAME_TAKEN,
    OVER_LIMIT
  }

  /**
   * Runs {@code insert} unless the organization has {@code max} rows in {@code table} already, or
   * one named {@code name}: counted and inserted under the organization's lock, so concurrent
   * requests cannot pass the cap or take one name twice together. {@code table} is a constant of
   * this package, never a caller's text.
   */
  static NamedInsert insertNamedWithinLimit(
      Jdbi jdbi,
      String table,
      String organizationId,
      String name,
      int max,
      java.util.function.Consumer<Handle> insert) {
    try {
      return jdbi.inTransaction(
          h -> {
            lockOrganization(h, organizationId);
            int count =
                h.createQuery("SELECT COUNT(*) FROM " + table + " WHERE organization_id = :org")
                    .bind("org", organizationId)
                    .mapTo(Integer.class)
                    .one();
            if (count >= max) {
              return NamedInsert.OVER_LIMIT;
            }
            boolean taken =
                h.createQuery(
                            "SELECT COUNT(*) FROM "
                                + table
                                + " WHERE organization_id = :org AND name = :name")
                        .bind("org", organizationId)
                        .bind("name", name)
                        .mapTo(Integer.class)
                        .one()
                    > 0;
            if (taken) {
              return NamedInsert.NAME_TAKEN;
            }
            insert.accept(h);
            return NamedInsert.CREATED;
          });
    } catch (RuntimeException e) {
      if (isUniqueViolation(e)) {
        return NamedInsert.NAME_TAKEN;
      }
      throw e;
    }
  }

  /**
   * Whether {@code e} (or a cause) is a unique-constraint violation, on H2 and PostgreSQL alike.
   */
  public static boolean isUniqueViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** A LIKE pattern matching {@code text} anywhere, with LIKE's own characters escaped by '\'. */
  public static String containsPattern(String text) {
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
  }
}
