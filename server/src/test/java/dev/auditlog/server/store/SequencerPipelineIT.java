package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.ForwardingAppendTransaction;
import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sequencer seals a group while the one before it commits: when that commit fails, the
 * group chained after it must be sealed again, never stored after a missing predecessor.
 * And it seals a group right after the previous one without reading the head or the stored
 * event ids: an event id stored earlier must still be answered with the stored entry (or
 * refused as a duplicate), never stored twice, and the chain must stay whole.
 */
class SequencerPipelineIT {
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
  void groupChainedAfterAFailedCommit_isSealedAgainAndStoredGapFree() throws Exception {
    FirstCommitFails failing = new FirstCommitFails(store);
    try (Sequencer sequencer = sequencer(failing, Duration.ofMillis(20))) {
      List<CompletableFuture<Entry>> first = sequencer.submit(drafts(3));
      failing.firstCommitStarted.await(10, TimeUnit.SECONDS);
      List<CompletableFuture<Entry>> second = sequencer.submit(drafts(2));
      failing.secondSealed.await(10, TimeUnit.SECONDS);
      failing.releaseFirstCommit.countDown();

      for (CompletableFuture<Entry> f : first) {
        var e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertInstanceOf(StoreException.class, e.getCause());
      }
      List<Entry> stored = new ArrayList<>();
      for (CompletableFuture<Entry> f : second) {
        stored.add(f.get(10, TimeUnit.SECONDS));
      }
      Events.assertChain(stored);
      assertEquals(3, failing.begun.get(), "the second group was sealed twice");
    }
    assertEquals(2, db.countEntries());
    Events.assertChain(store.list(ListQuery.all("default", 0, 10)).entries());
  }

  @Test
  void close_afterAppends_storesThemAndStopsPromptly() throws Exception {
    Sequencer sequencer = sequencer(store, Duration.ofMillis(20));
    List<CompletableFuture<Entry>> futures = sequencer.submit(drafts(5));

    long start = System.nanoTime();
    sequencer.close();

    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close took too long");
    for (CompletableFuture<Entry> f : futures) {
      assertTrue(f.isDone() && !f.isCompletedExceptionally());
    }
    assertEquals(5, db.countEntries());
  }

  @Test
  void retryOfAnEarlierEvent_sealedWithoutARead_isAnsweredWithTheStoredEntry() throws Exception {
    CountingStore counting = new CountingStore(store);
    // A generous clock age, so that every group after the first is sealed without a read.
    try (Sequencer sequencer =
        sequencer(counting, Duration.ofMinutes(1))) {
      Entry original = drafts(1).get(0);
      Entry stored = append(sequencer, original);
      append(sequencer, drafts(1).get(0)); // the retry's group does not follow the original's
      int unreadBefore = counting.unread.get();

      Entry retried = append(sequencer, original);
      Entry next = append(sequencer, drafts(1).get(0));

      assertTrue(counting.unread.get() > unreadBefore, "no group was sealed without a read");
      assertEquals(stored, retried);
      assertEquals(3, next.getSeq(), "the retry took no seq");
    }
    assertEquals(3, db.countEntries());
    Events.assertChain(store.list(ListQuery.all("default", 0, 10)).entries());
  }

  @Test
  void sameEventIdWithOtherContent_sealedWithoutARead_isRefusedAsDuplicate() throws Exception {
    CountingStore counting = new CountingStore(store);
    try (Sequencer sequencer =
        sequencer(counting, Duration.ofMinutes(1))) {
      Entry original = drafts(1).get(0);
      Entry stored = append(sequencer, original);
      append(sequencer, drafts(1).get(0));

      Entry changed = original.toBuilder().setUserId("someone-else").build();
      var e = assertThrows(ExecutionException.class,
          () -> sequencer.submit(List.of(changed)).get(0).get(10, TimeUnit.SECONDS));
      DuplicateEventException duplicate =
          assertInstanceOf(DuplicateEventException.class, e.getCause());
      assertEquals(stored, duplicate.stored());
      assertEquals(3, append(sequencer, drafts(1).get(0)).getSeq());
    }
    assertEquals(3, db.countEntries());
    Events.assertChain(store.list(ListQuery.all("default", 0, 10)).entries());
  }

  /** A sequencer whose commits' clock readings serve the next group for {@code clockAge}. */
  private static Sequencer sequencer(AuditStore store, Duration clockAge) {
    return new Sequencer(store, "default", new Sequencer.Limits(1000, 4 << 20, 1000, 64 << 20),
        failure -> {}, clockAge, System::nanoTime).start();
  }

  private static Entry append(Sequencer sequencer, Entry draft) throws Exception {
    return sequencer.submit(List.of(draft)).get(0).get(10, TimeUnit.SECONDS);
  }

  private static List<Entry> drafts(int n) {
    List<Entry> drafts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      var e = Events.registrationFailure();
      drafts.add(Entry.newBuilder().setEventId(e.getEventId()).setUserId(e.getUserId())
          .setAction(e.getAction()).setOutcome(e.getOutcome()).setProducer("auth-backend")
          .build());
    }
    return drafts;
  }

  /**
   * Holds the first commit until released and then fails it without committing; lets the
   * test know when the next group was sealed (begun) meanwhile.
   */
  private static final class FirstCommitFails extends ForwardingAuditStore {
    final CountDownLatch firstCommitStarted = new CountDownLatch(1);
    final CountDownLatch secondSealed = new CountDownLatch(1);
    final CountDownLatch releaseFirstCommit = new CountDownLatch(1);
    private final AtomicInteger begun = new AtomicInteger();

    FirstCommitFails(AuditStore store) {
      super(store);
    }

    @Override
    public AppendTransaction beginAppend(String logId, Collection<String> ids, AppendMode mode)
        throws StoreException {
      int n = begun.incrementAndGet();
      return new ForwardingAppendTransaction(store.beginAppend(logId, ids, mode)) {
        @Override
        public void insert(List<Entry> entries) throws StoreException {
          tx.insert(entries);
          if (n == 2) {
            secondSealed.countDown();
          }
        }

        @Override
        public void commit() throws StoreException {
          if (n == 1) {
            firstCommitStarted.countDown();
            try {
              releaseFirstCommit.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new StoreException("connection lost before COMMIT (simulated)", true, null);
          }
          tx.commit();
        }
      };
    }

    @Override
    public void close() {}
  }

  /** Counts the groups begun without a read of the head. */
  private static final class CountingStore extends ForwardingAuditStore {
    final AtomicInteger unread = new AtomicInteger();

    CountingStore(AuditStore store) {
      super(store);
    }

    @Override
    public AppendTransaction beginAppend(String logId, Collection<String> ids, AppendMode mode)
        throws StoreException {
      if (mode instanceof AppendMode.After) {
        unread.incrementAndGet();
      }
      return store.beginAppend(logId, ids, mode);
    }
  }
}
