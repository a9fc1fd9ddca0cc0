package dev.kestrel.store;

class H2StoreTest extends StoreContract {
  @Override
  TestStore newStore() {
    return TestStore.h2();
  }
}
