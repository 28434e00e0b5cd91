package dev.auditlog.server.store;

import dev.auditlog.server.store.memory.MemoryAuditStore;
import org.junit.jupiter.api.BeforeEach;

/** The store contract on the in-memory backend. */
class MemoryAuditStoreTest extends AuditStoreContract {
  private MemoryAuditStore store;

  @BeforeEach
  void create() {
    store = new MemoryAuditStore();
  }

  @Override
  AuditStore store() {
    return store;
  }
}
