package dev.kestrel.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kestrel.store.db.Database;
import dev.kestrel.store.db.JsonColumns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh, migrated store: in-memory H2 (the embedded database of the default) or a new schema in
 * PostgreSQL.
 */
public final class TestStore {
  /** Set by scripts/test; the default is what it sets up. */
  public static final String POSTGRES_URL =
      System.getenv()
          .getOrDefault(
              "KESTREL_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/kestrel_test");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public final Jdbi jdbi;
  public final JsonColumns json = new JsonColumns(MAPPER);
  private final DataSource dataSource;

  private static PGSimpleDataSource postgresDataSource() {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(POSTGRES_URL);
    dataSource.setUser("kestrel");
    dataSource.setPassword("kestrel");
    return dataSource;
  }

  private static void executeOnPostgres(String sql) {
    try (Connection c = postgresDataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "PostgreSQL is not reachable at " + POSTGRES_URL + " (scripts/test starts it)", e);
    }
  }

  private TestStore(DataSource dataSource) {
    Database.migrate(dataSource);
    this.dataSource = dataSource;
    this.jdbi = Jdbi.create(dataSource);
  }

  /**
   * The whole store on this database, as a process opens it (default limits, artifacts in a
   * temporary folder).
   */
  public Store open() {
    try {
      return Store.open(
          dataSource,
          jdbi,
          MAPPER,
          new Store.Limits(1000, 2000),
          Files.createTempDirectory("kestrel-artifacts-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TestStore h2() {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL(
        "jdbc:h2:mem:"
            + UUID.randomUUID()
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
    dataSource.setUser("sa");
    return new TestStore(dataSource);
  }

  /** A new, empty database for one test class's processes; returns its JDBC URL. */
  public static String newPostgresDatabase() {
    String name = "kestrel_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    executeOnPostgres("CREATE DATABASE " + name);
    return POSTGRES_URL.substring(0, POSTGRES_URL.lastIndexOf('/') + 1) + name;
  }

  public static TestStore postgres() {
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
    executeOnPostgres("CREATE SCHEMA " + schema);
    PGSimpleDataSource dataSource = postgresDataSource();
    dataSource.setCurrentSchema(schema);
    return new TestStore(dataSource);
  }
}
