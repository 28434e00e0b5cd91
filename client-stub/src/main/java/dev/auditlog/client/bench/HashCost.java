package dev.auditlog.client.bench;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import java.util.ArrayList;
import java.util.List;

/**
 * What the hash chain costs: the CPU time of sealing one entry ({@code entry_hash} over its
 * canonical JSON, then {@code chain_hash}) with the server's own {@link EntryHasher}, on one
 * thread of this JVM. Set against the server's CPU per event it gives the chain's share:
 * the throughput an unchained server could gain at most.
 */
final class HashCost {
  private HashCost() {}

  /** Microseconds of CPU per sealed entry, measured for about {@code millis}. */
  static double microsPerEntry(long millis) {
    List<Entry> drafts = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      drafts.add(draft(RegistrationEvents.next(), i + 1));
    }
    seal(drafts, System.nanoTime() + millis * 300_000L); // warm-up, about 30%
    long start = System.nanoTime();
    long sealed = seal(drafts, start + millis * 1_000_000L);
    return (System.nanoTime() - start) / 1000.0 / sealed;
  }

  private static long seal(List<Entry> drafts, long until) {
    String chain = EntryHasher.GENESIS_CHAIN_HASH;
    long n = 0;
    while (System.nanoTime() < until) {
      for (Entry e : drafts) {
        chain = EntryHasher.chainHash(chain, EntryHasher.entryHash(e));
      }
      n += drafts.size();
    }
    return chain.isEmpty() ? 0 : n;
  }

  /** The entry the server would build from {@code e} before hashing. */
  private static Entry draft(AuditEvent e, long seq) {
    long now = System.currentTimeMillis();
    return Entry.newBuilder()
        .setSeq(seq)
        .setRecordedAt(Timestamp.newBuilder().setSeconds(now / 1000)
            .setNanos((int) (now % 1000) * 1_000_000))
        .setEventId(e.getEventId()).setUserId(e.getUserId()).setAction(e.getAction())
        .setTarget(e.getTarget()).setSourceIp(e.getSourceIp()).setOutcome(e.getOutcome())
        .setOccurredAt(e.getOccurredAt())
        .putAllRiskSignals(e.getRiskSignalsMap()).putAllAttributes(e.getAttributesMap())
        .setProducer("auth-backend")
        .build();
  }
}
