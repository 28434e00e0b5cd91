package dev.auditlog.server.store;

import dev.auditlog.server.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The store contract on PostgreSQL: a fresh, migrated database for each test. */
class PostgresAuditStoreIT extends AuditStoreContract {
  private TestDatabase db;
  private PostgresAuditStore store;

  @BeforeEach
  void create() {
    db = TestDatabase.create();
    store = db.store();
  }

  @AfterEach
  void drop() {
    store.close();
    db.close();
  }

  @Override
  AuditStore store() {
    return store;
  }
}
