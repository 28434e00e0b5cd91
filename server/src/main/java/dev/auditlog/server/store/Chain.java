package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import java.time.Instant;

/** The running tail of the chain while a group is sealed: assigns seq, recorded_at, hashes. */
final class Chain {
  private final com.google.protobuf.Timestamp recordedAt;
  private final Instant recordedAtInstant;
  private long seq;
  private String chainHash;

  Chain(long seq, String chainHash, Instant recordedAt) {
    this.seq = seq;
    this.chainHash = chainHash;
    this.recordedAtInstant = recordedAt;
    this.recordedAt =
        com.google.protobuf.Timestamp.newBuilder()
            .setSeconds(recordedAt.getEpochSecond())
            .setNanos(recordedAt.getNano() / 1000 * 1000)
            .build();
  }

  Entry seal(Entry draft) {
    Entry.Builder b = draft.toBuilder().setSeq(++seq).setRecordedAt(recordedAt);
    String entryHash = EntryHasher.entryHash(b.build());
    chainHash = EntryHasher.chainHash(chainHash, entryHash);
    return b.setEntryHash(entryHash).setChainHash(chainHash).build();
  }

  /** The head after the entries sealed so far, as a later group chains after it. */
  LogHead tail(Instant clock) {
    return new LogHead(seq, chainHash, recordedAtInstant, clock);
  }
}
