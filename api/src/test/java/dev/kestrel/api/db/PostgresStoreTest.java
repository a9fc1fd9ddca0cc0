package dev.kestrel.api.db;

import dev.kestrel.api.support.TestStore;

/** Needs PostgreSQL, as scripts/test starts it (KESTREL_TEST_POSTGRES_URL). */
class PostgresStoreTest extends StoreContract {
  @Override
  TestStore newStore() {
    return TestStore.postgres();
  }
}
