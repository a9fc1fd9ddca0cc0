package dev.kestrel.api.db;

import dev.kestrel.api.support.TestStore;

class H2StoreTest extends StoreContract {
  @Override
  TestStore newStore() {
    return TestStore.h2();
  }
}
