package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guarded commit against a real PostgreSQL: a stale head stores nothing. */
class GuardedAppendIT {
  private TestDatabase db;
  private PostgresAuditStore store;

  @BeforeEach
  void start() {
    db = TestDatabase.create();
    store = db.store();
  }

  @AfterEach
  void stop() {
    store.close();
    db.close();
  }

  @Test
  void commit_afterAnotherAppenderMovedTheHead_isHeadMovedAndStoresNothing() throws Exception {
    Entry first = draft();
    Entry second = draft();
    try (AppendTransaction late = begin(List.of(first.getEventId()))) {
      try (AppendTransaction early = begin(List.of(second.getEventId()))) {
        early.insert(List.of(sealed(second, early.head())));
        early.commit();
      }
      late.insert(List.of(sealed(first, late.head())));

      assertThrows(HeadMovedException.class, late::commit);
    }
    assertEquals(1, db.countEntries());
  }

  @Test
  void beginAppend_afterAConflict_sealsAgainstTheNewHeadAndCommits() throws Exception {
    Entry first = draft();
    try (AppendTransaction stale = begin(List.of())) {
      try (AppendTransaction other = begin(List.of())) {
        other.insert(List.of(sealed(draft(), other.head())));
        other.commit();
      }
      stale.insert(List.of(sealed(first, stale.head())));
      assertThrows(HeadMovedException.class, stale::commit);
    }

    try (AppendTransaction retry = begin(List.of(first.getEventId()))) {
      assertEquals(1, retry.head().seq());
      assertTrue(retry.existing().isEmpty());
      retry.insert(List.of(sealed(first, retry.head())));
      retry.commit();
    }
    assertEquals(2, db.countEntries());
  }

  @Test
  void commit_withAnEventIdStoredMeanwhile_isHeadMovedAndStoresNothing() throws Exception {
    Entry event = draft();
    try (AppendTransaction late = begin(List.of(event.getEventId()))) {
      try (AppendTransaction early = begin(List.of(event.getEventId()))) {
        early.insert(List.of(sealed(event, early.head())));
        early.commit();
      }
      late.insert(List.of(sealed(event, late.head())));

      assertThrows(HeadMovedException.class, late::commit);
    }
    assertEquals(1, db.countEntries());
  }

  private static Entry draft() {
    var e = Events.registrationFailure();
    return Entry.newBuilder().setEventId(e.getEventId()).setUserId(e.getUserId())
        .setAction(e.getAction()).setTarget(e.getTarget()).setSourceIp(e.getSourceIp())
        .setOutcome(e.getOutcome()).setOccurredAt(e.getOccurredAt())
        .putAllRiskSignals(e.getRiskSignalsMap()).putAllAttributes(e.getAttributesMap())
        .setProducer("auth-backend").build();
  }

  private static Entry sealed(Entry draft, LogHead head) {
    var at = head.nextRecordedAt();
    Entry.Builder b = draft.toBuilder().setSeq(head.seq() + 1).setRecordedAt(Timestamp
        .newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano() / 1000 * 1000));
    String entryHash = EntryHasher.entryHash(b.build());
    return b.setEntryHash(entryHash)
        .setChainHash(EntryHasher.chainHash(head.chainHash(), entryHash)).build();
  }

  private AppendTransaction begin(List<String> eventIds) throws StoreException {
    return store.beginAppend("default", eventIds, AppendMode.READ);
  }
}
