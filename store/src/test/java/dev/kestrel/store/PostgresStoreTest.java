package dev.kestrel.store;

/** Needs PostgreSQL, as scripts/test starts it (KESTREL_TEST_POSTGRES_URL). */
class PostgresStoreTest extends StoreContract {
  @Override
  TestStore newStore() {
    return TestStore.postgres();
  }
}
