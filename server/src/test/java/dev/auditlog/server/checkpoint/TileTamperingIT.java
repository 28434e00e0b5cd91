package dev.auditlog.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.LogAppends;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Merkle tiles changed in PostgreSQL by a superuser (with the triggers off) are caught when
 * the server next rebuilds its tree: it signs no checkpoint over them.
 */
class TileTamperingIT {
  private static final String LOG = "default";
  private static final String ORIGIN = "audit.example/default";

  @Test
  void tilesChangedByTheSuperuser_stopTheCheckpoints() throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      AuditStore store = db.store();
      LogAppends.append(store, LOG, 600);
      java.nio.file.Path keyDir = java.nio.file.Files.createTempDirectory("key");
      try (Checkpointer c = new Checkpointer(store, LOG, SigningKey.generate(keyDir), ORIGIN,
          List.of())) {
        c.checkpoint();
      }
      try (Connection su = db.superuser(); Statement s = su.createStatement()) {
        s.execute("ALTER TABLE audit.merkle_tile DISABLE TRIGGER ALL");
        s.execute("UPDATE audit.merkle_tile SET hashes = overlay(hashes PLACING"
            + " '\\x00'::bytea FROM 1) WHERE level = 0 AND idx = 0");
        s.execute("ALTER TABLE audit.merkle_tile ENABLE TRIGGER ALL");
      }
      LogAppends.append(store, LOG, 10);
      try (Checkpointer restarted = new Checkpointer(store, LOG,
          SigningKey.read(SigningKey.defaultFile(keyDir)), ORIGIN, List.of())) {
        InconsistentLogException e =
            assertThrows(InconsistentLogException.class, restarted::checkpoint);

        assertTrue(e.getMessage().contains("differs"), e.getMessage());
      }
    }
  }

  @Test
  void anEntryChangedAfterItWasIntegrated_withItsChainRecomputed_stopsTheCheckpoints()
      throws Exception {
    try (TestDatabase db = TestDatabase.create()) {
      AuditStore store = db.store();
      LogAppends.append(store, LOG, 10);
      java.nio.file.Path keyDir = java.nio.file.Files.createTempDirectory("key");
      try (Checkpointer checkpointer = new Checkpointer(store, LOG,
          SigningKey.generate(keyDir), ORIGIN, List.of())) {
        checkpointer.checkpoint();
        List<dev.auditlog.api.v1.Entry> later = LogAppends.append(store, LOG, 2);
        checkpointer.tree().integrate();
        dev.auditlog.api.v1.Entry last = later.get(1);
        dev.auditlog.api.v1.Entry forged = last.toBuilder().setAction("user.forged").build();
        String entryHash = dev.auditlog.integrity.EntryHasher.entryHash(forged);
        String chainHash = dev.auditlog.integrity.EntryHasher.chainHash(
            later.get(0).getChainHash(), entryHash);
        try (Connection su = db.superuser(); Statement s = su.createStatement()) {
          s.execute("ALTER TABLE audit.entry DISABLE TRIGGER ALL");
          s.execute("UPDATE audit.entry SET action = 'user.forged', entry_hash = '\\x"
              + entryHash + "', chain_hash = '\\x" + chainHash + "' WHERE seq = 12");
          s.execute("ALTER TABLE audit.entry ENABLE TRIGGER ALL");
        }

        InconsistentLogException e =
            assertThrows(InconsistentLogException.class, checkpointer::checkpoint);

        assertTrue(e.getMessage().contains("chain hash of its head"), e.getMessage());
      }
    }
  }
}
