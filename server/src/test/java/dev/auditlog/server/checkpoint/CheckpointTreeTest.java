package dev.auditlog.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.LogAppends;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints carry the Merkle tree: in the signed JSON and as a C2SP signed note, and the
 * server signs no checkpoint whose tree does not extend the previous one.
 */
class CheckpointTreeTest {
  private static final String LOG = "default";
  private static final String ORIGIN = "audit.example/default";

  private static Checkpointer checkpointer(AuditStore store) throws Exception {
    return new Checkpointer(store, LOG, SigningKey.generate(
        java.nio.file.Files.createTempDirectory("key")), ORIGIN, List.of());
  }

  private static byte[] root(List<Entry> entries) {
    List<byte[]> leaves = new ArrayList<>();
    entries.forEach(e -> leaves.add(Merkle.leafHash(HexFormat.of().parseHex(e.getEntryHash()))));
    return Merkle.root(leaves);
  }

  @Test
  void checkpoint_signsTheTreeInTheJson_andAsANoteThatVerifiesWithTheVerifierKey()
      throws Exception {
    MemoryAuditStore store = new MemoryAuditStore();
    List<Entry> entries = LogAppends.append(store, LOG, 700);
    try (Checkpointer checkpointer = checkpointer(store)) {
      Checkpoint c = checkpointer.checkpoint();

      assertEquals(700, c.getTreeSize());
      assertEquals(HexFormat.of().formatHex(root(entries)), c.getMerkleRoot());
      CheckpointPayload payload = new CheckpointPayload(LOG, 700, c.getChainHash(),
          EntryHasher.timestamp(c.getRecordedAt()), c.getMerkleRoot());
      assertTrue(payload.verify(checkpointer.key().publicKey(), c.getSignature().toByteArray()));
      assertFalse(new CheckpointPayload(LOG, 700, c.getChainHash(),
          EntryHasher.timestamp(c.getRecordedAt())).verify(checkpointer.key().publicKey(),
          c.getSignature().toByteArray()), "the root is part of what is signed");

      Note note = Note.parse(c.getNote());
      TlogCheckpoint body = TlogCheckpoint.parse(note.text());
      assertEquals(ORIGIN, body.origin());
      assertEquals(700, body.size());
      assertArrayEquals(root(entries), body.rootHash());
      assertTrue(NoteVerifier.parse(checkpointer.key().verifierKey(ORIGIN)).verifies(note));
      assertTrue(checkpointer.trusts(c));
    }
  }

  @Test
  void aCheckpointTrustedOnce_doesNotVouchForACopyWithOneFieldChanged() throws Exception {
    MemoryAuditStore store = new MemoryAuditStore();
    LogAppends.append(store, LOG, 300);
    try (Checkpointer checkpointer = checkpointer(store)) {
      Checkpoint c = checkpointer.checkpoint();
      byte[] signature = c.getSignature().toByteArray();
      signature[0] ^= 1;

      assertTrue(checkpointer.trusts(c));
      assertTrue(checkpointer.trusts(c.toBuilder().build()), "an equal copy, as read again");
      assertFalse(checkpointer.trusts(c.toBuilder()
          .setSignature(ByteString.copyFrom(signature)).build()));
      assertFalse(checkpointer.trusts(c.toBuilder().setSeq(299).build()));
      assertFalse(checkpointer.trusts(c.toBuilder().setNote(c.getNote().replace("300", "301"))
          .build()));
    }
  }

  @Test
  void successiveCheckpoints_areConsistent_andAnIdleLogKeepsItsRoot() throws Exception {
    MemoryAuditStore store = new MemoryAuditStore();
    LogAppends.append(store, LOG, 300);
    try (Checkpointer checkpointer = checkpointer(store)) {
      Checkpoint first = checkpointer.checkpoint();
      LogAppends.append(store, LOG, 5000);
      Checkpoint second = checkpointer.checkpoint();
      Checkpoint idle = checkpointer.checkpoint();

      assertTrue(Merkle.verifyConsistency(300, 5300,
          HexFormat.of().parseHex(first.getMerkleRoot()),
          HexFormat.of().parseHex(second.getMerkleRoot()),
          checkpointer.tree().consistencyProof(300, 5300)));
      assertEquals(second.getMerkleRoot(), idle.getMerkleRoot());
      assertEquals(second.getNote().lines().findFirst(), idle.getNote().lines().findFirst());
    }
  }

  @Test
  void emptyLog_isCheckpointedWithTheEmptyRoot() throws Exception {
    try (Checkpointer checkpointer = checkpointer(new MemoryAuditStore())) {
      Checkpoint c = checkpointer.checkpoint();

      assertEquals(0, c.getTreeSize());
      assertEquals(HexFormat.of().formatHex(Merkle.emptyRoot()), c.getMerkleRoot());
    }
  }

  @Test
  void aRestartedServer_rebuildsTheTreeFromItsTiles_andSignsOnConsistently() throws Exception {
    MemoryAuditStore store = new MemoryAuditStore();
    List<Entry> entries = new ArrayList<>(LogAppends.append(store, LOG, 1000));
    java.nio.file.Path keyDir = java.nio.file.Files.createTempDirectory("key");
    try (Checkpointer before = new Checkpointer(store, LOG, SigningKey.generate(keyDir),
        ORIGIN, List.of())) {
      before.checkpoint();
    }
    entries.addAll(LogAppends.append(store, LOG, 234));
    try (Checkpointer after = new Checkpointer(store, LOG,
        SigningKey.read(SigningKey.defaultFile(keyDir)), ORIGIN, List.of())) {
      Checkpoint c = after.checkpoint();

      assertEquals(HexFormat.of().formatHex(root(entries)), c.getMerkleRoot());
    }
  }
}
