package dev.auditlog.server.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.store.PostgresAuditStore;
import dev.auditlog.server.store.PostgresRetention;
import dev.auditlog.server.store.RawAppends;
import dev.auditlog.server.store.Retention;
import dev.auditlog.server.store.StoreFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Merkle tree around an archive: archiving needs a signed checkpoint beyond the range (a
 * server's tree then has integrated it), and a server starting after the archive rebuilds its
 * tree from the tiles and signs on top.
 */
class ArchiverIT {
  private static final String LOG = "default";

  @TempDir Path tmp;

  @Test
  void withoutACheckpointBeyondTheRange_theArchiveIsRefused_andWithOneTheTreeGoesOn()
      throws Exception {
    try (TestDatabase db = TestDatabase.create(); HikariDataSource owner =
        StoreFactory.ownerPool(db.jdbcUrl(), TestDatabase.OWNER,
            TestDatabase.password(TestDatabase.OWNER))) {
      PostgresRetention.record(owner, "audit", LOG, new Retention(0));
      try (Connection c = owner.getConnection(); Statement s = c.createStatement()) {
        s.execute("SELECT audit.entry_partition_add('default', 300)");
        s.execute("SELECT audit.entry_partition_add('default', 300)");
      }
      List<byte[]> leaves = new ArrayList<>();
      RawAppends.append(db.writer(), LOG, 600, Instant.now()).forEach(e -> leaves.add(
          Merkle.leafHash(HexFormat.of().parseHex(e.getEntryHash()))));
      PostgresAuditStore store = db.store();
      SigningKey key = SigningKey.read(AuditServerExtension.PRIVATE_SIGNING_KEY);
      Archiver archiver = new Archiver(store, owner, "audit", key, "test/default", List.of());

      ArchiveRefusedException refused = assertThrows(ArchiveRefusedException.class,
          () -> archiver.archive(LOG, 300, tmp.resolve("early.jsonl")));
      assertTrue(refused.getMessage().contains("the newest trusted checkpoint of log 'default'"
          + " with a Merkle tree is of seq 0"), refused.getMessage());

      try (Checkpointer server = new Checkpointer(store, LOG, key, "test/default", List.of())) {
        assertEquals(600, server.checkpoint().getTreeSize());
      }
      Archiver.Result r = archiver.archive(LOG, 300, tmp.resolve("archive.jsonl"));
      assertEquals(300, r.checkpoint().getSeq());
      RawAppends.append(db.writer(), LOG, 100, Instant.now()).forEach(e -> leaves.add(
          Merkle.leafHash(HexFormat.of().parseHex(e.getEntryHash()))));

      try (Checkpointer restarted =
          new Checkpointer(store, LOG, key, "test/default", List.of())) {
        Checkpoint c = restarted.checkpoint();
        assertEquals(700, c.getTreeSize());
        assertEquals(HexFormat.of().formatHex(Merkle.root(leaves)), c.getMerkleRoot());
        assertTrue(restarted.trusts(r.checkpoint()));
      }
    }
  }
}
