package dev.kestrel.store.db;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;

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
