package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the writer pool's connections put into error messages, which end up in logs. */
class StoreFactoryIT {
  private TestDatabase db;

  @BeforeEach
  void create() {
    db = TestDatabase.create();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void failedBatchInsert_errorMessagesCarryNoEventContent() throws Exception {
    Entry entry = Entry.newBuilder()
        .setSeq(1)
        .setEventId(Events.registrationFailure().getEventId())
        .setUserId("secret-user-4711")
        .setAction("") // violates CHECK (action <> ''): PostgreSQL details the failing row
        .setProducer("auth-backend")
        .setEntryHash(EntryHasher.GENESIS_CHAIN_HASH)
        .setChainHash(EntryHasher.GENESIS_CHAIN_HASH)
        .build();

    StoreException e = assertThrows(StoreException.class, () -> {
      try (AppendTransaction tx = db.store().beginAppend("default", Set.of(), AppendMode.READ)) {
        tx.insert(List.of(entry));
        tx.commit(); // the store may defer the INSERT to the commit
      }
    });

    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains("secret-user-4711"),
          "event content in: " + t.getMessage());
      if (t instanceof java.sql.SQLException sql && sql.getNextException() != null) {
        assertFalse(String.valueOf(sql.getNextException().getMessage())
            .contains("secret-user-4711"), sql.getNextException().getMessage());
      }
    }
  }
}
