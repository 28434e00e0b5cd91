package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A log written before the Merkle tree existed (schema version 7, checkpoints without a
 * root) is upgraded in place: the migration adds the tables, the server integrates every
 * entry when it starts, trusts the old checkpoints as before, and signs roots from then on.
 */
class MerkleBackfillIT {
  private static final String LOG = "default";

  @Test
  void aLogFromBeforeTheTree_isBackfilled_andItsOldCheckpointsStayTrusted() throws Exception {
    String url = TestDatabase.createUnmigrated();
    try (HikariDataSource owner = StoreFactory.ownerPool(url, TestDatabase.OWNER,
            TestDatabase.password(TestDatabase.OWNER));
        HikariDataSource writer = StoreFactory.writerPool(url, TestDatabase.WRITER,
            TestDatabase.password(TestDatabase.WRITER), 4)) {
      Migrations.migrate(owner, TestDatabase.SCHEMA, TestDatabase.WRITER, "7");
      PostgresAuditStore store = new PostgresAuditStore(writer, TestDatabase.SCHEMA, null);
      // Version 7's schema: appended with the guarded INSERT alone, as servers of then did.
      List<Entry> entries = new ArrayList<>(RawAppends.append(writer, LOG, 3000,
          Instant.now()));
      SigningKey key = SigningKey.read(AuditServerExtension.PRIVATE_SIGNING_KEY);
      Checkpoint old = oldCheckpoint(writer, key, entries.get(entries.size() - 1));

      Migrations.migrate(owner, TestDatabase.SCHEMA, TestDatabase.WRITER);
      entries.addAll(LogAppends.append(store, LOG, 10));
      try (Checkpointer checkpointer = new Checkpointer(store, LOG, key, "audit.test/default",
          List.of())) {
        assertTrue(checkpointer.trusts(old), "a checkpoint without a root verifies as before");
        Checkpoint c = checkpointer.checkpoint();

        List<byte[]> leaves = new ArrayList<>();
        entries.forEach(e -> leaves.add(Merkle.leafHash(HexFormat.of().parseHex(
            e.getEntryHash()))));
        assertEquals(3010, c.getTreeSize());
        assertEquals(HexFormat.of().formatHex(Merkle.root(leaves)), c.getMerkleRoot());
        assertEquals(3010 / 256, store.tiles().tiles(LOG, 0, 0, 100).size());
      }
    }
  }

  /** A checkpoint as version 7 made them: signed JSON without a tree, inserted directly. */
  private static Checkpoint oldCheckpoint(HikariDataSource writer, SigningKey key, Entry last)
      throws Exception {
    String recordedAt = EntryHasher.timestamp(last.getRecordedAt());
    byte[] signature = new CheckpointPayload(LOG, last.getSeq(), last.getChainHash(),
        recordedAt).sign(privateKey());
    try (var c = writer.getConnection(); var ps = c.prepareStatement("INSERT INTO"
        + " audit.checkpoint (log_id, seq, chain_hash, recorded_at, key_id, public_key,"
        + " signature) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, LOG);
      ps.setLong(2, last.getSeq());
      ps.setBytes(3, HexFormat.of().parseHex(last.getChainHash()));
      ps.setObject(4, EntryRows.offsetDateTime(last.getRecordedAt()));
      ps.setString(5, key.keyId());
      ps.setBytes(6, key.publicKey().getEncoded());
      ps.setBytes(7, signature);
      ps.executeUpdate();
    }
    return Checkpoint.newBuilder().setLogId(LOG).setSeq(last.getSeq())
        .setChainHash(last.getChainHash()).setRecordedAt(last.getRecordedAt())
        .setKeyId(key.keyId()).setPublicKey(ByteString.copyFrom(key.publicKey().getEncoded()))
        .setSignature(ByteString.copyFrom(signature)).build();
  }

  private static java.security.PrivateKey privateKey() throws Exception {
    return dev.auditlog.integrity.Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY)
        .getPrivate();
  }
}
