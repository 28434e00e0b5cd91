package dev.auditlog.server;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import java.util.List;
import java.util.UUID;

/** Realistic events for tests, and a chain check. */
public final class Events {
  private Events() {}

  /** A registration failure with risk signals, about 400 bytes. */
  public static AuditEvent registrationFailure() {
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setUserId("user-" + UUID.randomUUID())
        .setAction("user.register")
        .setTarget("tenant/acme")
        .setSourceIp("203.0.113.7")
        .setOutcome(Outcome.OUTCOME_FAILURE)
        .setOccurredAt(Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(123_456_000))
        .putRiskSignals("risk_score", "0.87")
        .putRiskSignals("ip_reputation", "bad")
        .putRiskSignals("velocity", "12")
        .putAttributes("reason", "email already registered")
        .build();
  }

  public static AuditEvent withAction(String action) {
    return registrationFailure().toBuilder().setAction(action).build();
  }

  public static AppendRequest request(AuditEvent event) {
    return AppendRequest.newBuilder().setEvent(event).build();
  }

  /**
   * Checks that {@code entries} are the log from seq 1 on, without gaps, and that every
   * entry hash and chain hash recomputes.
   */
  public static void assertChain(List<Entry> entries) {
    String chain = EntryHasher.GENESIS_CHAIN_HASH;
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.getSeq() != i + 1) {
        throw new AssertionError("expected seq " + (i + 1) + ", got " + e.getSeq());
      }
      String entryHash = EntryHasher.entryHash(e);
      if (!entryHash.equals(e.getEntryHash())) {
        throw new AssertionError("entry_hash mismatch at seq " + e.getSeq());
      }
      chain = EntryHasher.chainHash(chain, entryHash);
      if (!chain.equals(e.getChainHash())) {
        throw new AssertionError("chain_hash mismatch at seq " + e.getSeq());
      }
    }
  }
}
