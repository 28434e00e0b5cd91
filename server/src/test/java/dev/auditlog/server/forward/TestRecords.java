package dev.auditlog.server.forward;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Records for the destination tests: entries with fixed, recognizable fields (recorded at
 * 2023-11-14T22:13:20.123456Z plus seq seconds), checkpoints, and the same appended to a
 * {@link MemoryAuditStore} as a hash chain, for tests that drive a {@link Forwarder}.
 */
final class TestRecords {
  static final String LOG = "default";
  /** The key id of checkpoints a forwarder in these tests trusts. */
  static final String TRUSTED_KEY = "aa".repeat(32);
  static final long T0 = 1_700_000_000L;

  private TestRecords() {}

  /** Entry {@code seq}, as a forwarder reads it. */
  static ForwardRecord.EntryRecord entry(long seq) {
    return entry(seq, Map.of());
  }

  static ForwardRecord.EntryRecord entry(long seq, Map<String, String> attributes) {
    Entry draft = draft(seq, T0 + seq, attributes);
    String hash = EntryHasher.entryHash(draft);
    return new ForwardRecord.EntryRecord(LOG, draft.toBuilder().setEntryHash(hash)
        .setChainHash(EntryHasher.chainHash("00".repeat(32), hash)).build());
  }

  /** Entries 1 to {@code n}. */
  static List<ForwardRecord> entries(int n) {
    List<ForwardRecord> all = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      all.add(entry(i));
    }
    return all;
  }

  /** A checkpoint covering up to {@code seq}, signed (in form) by the trusted key. */
  static ForwardRecord.CheckpointRecord checkpoint(long seq) {
    return new ForwardRecord.CheckpointRecord(LOG, checkpointOf(seq, "cd".repeat(32)));
  }

  /** Appends {@code n} entries to the log in {@code store}, chained to its head. */
  static void append(MemoryAuditStore store, int n, Map<String, String> attributes)
      throws StoreException {
    try (AppendTransaction tx = store.beginAppend(LOG, List.of(), AppendMode.READ)) {
      LogHead head = tx.head();
      String chain = head.chainHash();
      List<Entry> entries = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        Entry draft = draft(head.seq() + i, head.clock().getEpochSecond(), attributes);
        String entryHash = EntryHasher.entryHash(draft);
        chain = EntryHasher.chainHash(chain, entryHash);
        entries.add(draft.toBuilder().setEntryHash(entryHash).setChainHash(chain).build());
      }
      tx.insert(entries);
      tx.commit();
    }
  }

  /** A trusted checkpoint of the log's head in {@code store}. */
  static void checkpoint(MemoryAuditStore store) throws StoreException {
    try (AppendTransaction tx = store.lockHead(LOG)) {
      tx.insertCheckpoint(checkpointOf(tx.head().seq(), tx.head().chainHash()));
      tx.commit();
    }
  }

  private static Checkpoint checkpointOf(long seq, String chainHash) {
    return Checkpoint.newBuilder().setLogId(LOG).setSeq(seq).setChainHash(chainHash)
        .setRecordedAt(timestamp(T0 + seq, 654_321_000)).setKeyId(TRUSTED_KEY)
        .setPublicKey(ByteString.EMPTY).setSignature(ByteString.copyFrom(new byte[64]))
        .build();
  }

  private static Entry draft(long seq, long seconds, Map<String, String> attributes) {
    return Entry.newBuilder().setSeq(seq)
        .setRecordedAt(timestamp(seconds, 123_456_000))
        .setEventId(String.format("00000000-0000-4000-8000-%012d", seq))
        .setUserId("alice").setAction("user.login").setTarget("app/console")
        .setSourceIp("192.0.2.7").setOutcome(Outcome.OUTCOME_SUCCESS)
        .putAllAttributes(attributes).setProducer("auth-backend").build();
  }

  static Timestamp timestamp(long seconds, int nanos) {
    return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }
}
