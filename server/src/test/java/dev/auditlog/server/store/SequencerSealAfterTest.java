package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.Events;
import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A group sealed right after the previous one, without reading the head or the stored event
 * ids: an event id stored earlier must still be answered with the stored entry (or refused
 * as a duplicate), never stored twice, and the chain must stay whole.
 */
class SequencerSealAfterTest {
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
  void retryOfAnEarlierEvent_sealedWithoutARead_isAnsweredWithTheStoredEntry() throws Exception {
    CountingStore counting = new CountingStore(store);
    // A generous clock age, so that every group after the first is sealed without a read.
    try (Sequencer sequencer =
        new Sequencer(counting, "default", 1000, 1000, Duration.ofMinutes(1)).start()) {
      Entry original = draft();
      Entry stored = append(sequencer, original);
      append(sequencer, draft()); // the retry's group does not follow the original's
      int unreadBefore = counting.unread.get();

      Entry retried = append(sequencer, original);
      Entry next = append(sequencer, draft());

      assertTrue(counting.unread.get() > unreadBefore, "no group was sealed without a read");
      assertEquals(stored, retried);
      assertEquals(3, next.getSeq(), "the retry took no seq");
    }
    assertEquals(3, db.countEntries());
    Events.assertChain(store.list(new ListQuery("default", 0, null, null, null, 10)).entries());
  }

  @Test
  void sameEventIdWithOtherContent_sealedWithoutARead_isRefusedAsDuplicate() throws Exception {
    CountingStore counting = new CountingStore(store);
    try (Sequencer sequencer =
        new Sequencer(counting, "default", 1000, 1000, Duration.ofMinutes(1)).start()) {
      Entry original = draft();
      Entry stored = append(sequencer, original);
      append(sequencer, draft());

      Entry changed = original.toBuilder().setUserId("someone-else").build();
      var e = assertThrows(ExecutionException.class,
          () -> sequencer.submit(List.of(changed)).get(0).get(10, TimeUnit.SECONDS));
      DuplicateEventException duplicate =
          assertInstanceOf(DuplicateEventException.class, e.getCause());
      assertEquals(stored, duplicate.stored());
      assertEquals(3, append(sequencer, draft()).getSeq());
    }
    assertEquals(3, db.countEntries());
    Events.assertChain(store.list(new ListQuery("default", 0, null, null, null, 10)).entries());
  }

  private static Entry append(Sequencer sequencer, Entry draft) throws Exception {
    return sequencer.submit(List.of(draft)).get(0).get(10, TimeUnit.SECONDS);
  }

  private static Entry draft() {
    var e = Events.registrationFailure();
    return Entry.newBuilder().setEventId(e.getEventId()).setUserId(e.getUserId())
        .setAction(e.getAction()).setOutcome(e.getOutcome()).setProducer("auth-backend")
        .putAllRiskSignals(e.getRiskSignalsMap()).build();
  }

  /** Counts the groups begun without a read of the head. */
  private static final class CountingStore extends ForwardingAuditStore {
    final AtomicInteger unread = new AtomicInteger();

    CountingStore(AuditStore store) {
      super(store);
    }

    @Override
    public AppendTransaction beginAppend(String logId, Collection<String> ids, boolean lock)
        throws StoreException {
      return store.beginAppend(logId, ids, lock);
    }

    @Override
    public AppendTransaction beginAppend(String logId, Collection<String> ids, LogHead after)
        throws StoreException {
      unread.incrementAndGet();
      return store.beginAppend(logId, ids, after);
    }

    @Override
    public boolean pipelines() {
      return store.pipelines();
    }
  }
}
