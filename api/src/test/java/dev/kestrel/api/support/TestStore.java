package dev.kestrel.api.support;

import dev.kestrel.api.db.Database;
import dev.kestrel.api.db.JsonColumns;
import io.dropwizard.jackson.Jackson;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;

/** A fresh, migrated in-memory H2 store (PostgreSQL mode, as the embedded default uses). */
public final class TestStore {
  public final Jdbi jdbi;
  public final JsonColumns json = new JsonColumns(Jackson.newObjectMapper());

  public TestStore() {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
    dataSource.setUser("sa");
    Database.migrate(dataSource);
    jdbi = Jdbi.create(dataSource);
  }
}
