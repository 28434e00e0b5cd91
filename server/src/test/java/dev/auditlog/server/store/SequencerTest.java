package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.Events;
import dev.auditlog.server.ForwardingAppendTransaction;
import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The append pipeline on the in-memory store: budgets in appends and bytes, groups bounded
 * in bytes, retries after lost races, and a pipeline thread that dies. Milliseconds each.
 */
class SequencerTest {
  private static final Sequencer.Limits ROOMY = new Sequencer.Limits(1000, 4 << 20, 1000, 64 << 20);

  private final MemoryAuditStore memory = new MemoryAuditStore();
  /** The fatal handler's argument; the handler runs after the appends were failed. */
  private final CompletableFuture<Throwable> fatal = new CompletableFuture<>();
  private Sequencer sequencer;

  @AfterEach
  void close() {
    if (sequencer != null) {
      sequencer.close();
    }
  }

  @Test
  void submit_beyondTheQueuedAppends_isQueueFullAndQueuesNothing() throws Exception {
    sequencer = unstarted(memory, new Sequencer.Limits(1000, 4 << 20, 3, 64 << 20));
    sequencer.submit(AuditStoreContract.drafts(2));

    QueueFullException e = assertThrows(QueueFullException.class,
        () -> sequencer.submit(AuditStoreContract.drafts(2)));

    assertTrue(e.getMessage().contains("3 appends"), e.getMessage());
    sequencer.submit(AuditStoreContract.drafts(1));
  }

  @Test
  void submit_beyondTheQueuedBytes_isQueueFullAndQueuesNothing() throws Exception {
    Entry big = large(60_000);
    sequencer = unstarted(memory, new Sequencer.Limits(1000, 4 << 20, 1000, 200_000));
    sequencer.submit(List.of(big, large(60_000), large(60_000)));

    QueueFullException e = assertThrows(QueueFullException.class,
        () -> sequencer.submit(List.of(large(60_000))));

    assertTrue(e.getMessage().contains("200000 bytes"), e.getMessage());
    sequencer.submit(AuditStoreContract.drafts(1));
  }

  @Test
  void groups_stayWithinTheirByteBudget_andEveryAppendIsStored() throws Exception {
    List<Integer> groupSizes = new CopyOnWriteArrayList<>();
    AuditStore counting = new ForwardingAuditStore(memory) {
      @Override
      public AppendTransaction beginAppend(String logId, Collection<String> ids,
          AppendMode mode) throws StoreException {
        groupSizes.add(ids.size());
        return store.beginAppend(logId, ids, mode);
      }
    };
    sequencer = unstarted(counting, new Sequencer.Limits(1000, 150_000, 1000, 64 << 20));
    List<Entry> drafts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      drafts.add(large(60_000));
    }
    List<CompletableFuture<Entry>> futures = sequencer.submit(drafts);

    sequencer.start();

    List<Entry> stored = await(futures);
    Events.assertChain(stored);
    assertTrue(groupSizes.stream().allMatch(n -> n <= 2), "group sizes " + groupSizes);
  }

  @Test
  void groupThatKeepsLosingTheRace_failsRetryablyAfterTheLastAttempt() throws Exception {
    List<AppendMode> modes = new CopyOnWriteArrayList<>();
    AuditStore alwaysMoved = new ForwardingAuditStore(memory) {
      @Override
      public AppendTransaction beginAppend(String logId, Collection<String> ids,
          AppendMode mode) throws StoreException {
        modes.add(mode);
        return new ForwardingAppendTransaction(store.beginAppend(logId, ids, mode)) {
          @Override
          public void commit() throws StoreException {
            throw new HeadMovedException("another appender got in (simulated)", null);
          }
        };
      }
    };
    sequencer = started(alwaysMoved, ROOMY);

    CompletableFuture<Entry> f = sequencer.submit(AuditStoreContract.drafts(1)).get(0);

    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    StoreException cause = assertInstanceOf(HeadMovedException.class, e.getCause());
    assertTrue(cause.retryable());
    assertEquals(GroupSealer.MAX_ATTEMPTS, modes.size());
    assertTrue(modes.subList(1, modes.size()).stream().allMatch(m -> m == AppendMode.LOCKED),
        "after a lost race, groups are sealed under the lock: " + modes);
  }

  @Test
  void errorInACommit_failsEveryWaitingAppend_refusesNewOnes_andCallsTheFatalHandler()
      throws Exception {
    OutOfMemoryError oom = new OutOfMemoryError("Java heap space (simulated)");
    AuditStore dying = new ForwardingAuditStore(memory) {
      @Override
      public AppendTransaction beginAppend(String logId, Collection<String> ids,
          AppendMode mode) throws StoreException {
        return new ForwardingAppendTransaction(store.beginAppend(logId, ids, mode)) {
          @Override
          public void commit() {
            throw oom;
          }
        };
      }
    };
    sequencer = started(dying, ROOMY);

    List<CompletableFuture<Entry>> futures = sequencer.submit(AuditStoreContract.drafts(3));

    for (CompletableFuture<Entry> f : futures) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      assertSame(oom, assertInstanceOf(SequencerStoppedException.class, e.getCause()).getCause());
    }
    assertSame(oom, fatal.get(10, TimeUnit.SECONDS));
    assertThrows(SequencerStoppedException.class,
        () -> sequencer.submit(AuditStoreContract.drafts(1)));
    assertTrue(memory.entries(AuditStoreContract.LOG, 0, 10, 10).isEmpty());
  }

  @Test
  void close_storesWhatIsQueued_thenRefusesNewAppends() throws Exception {
    sequencer = started(memory, ROOMY);
    List<CompletableFuture<Entry>> futures = sequencer.submit(AuditStoreContract.drafts(5));

    sequencer.close();

    assertEquals(5, await(futures).size());
    SequencerStoppedException e = assertThrows(SequencerStoppedException.class,
        () -> sequencer.submit(AuditStoreContract.drafts(1)));
    assertTrue(e.getMessage().contains("shutting down"), e.getMessage());
  }

  private Sequencer unstarted(AuditStore store, Sequencer.Limits limits) {
    return new Sequencer(store, AuditStoreContract.LOG, limits, fatal::complete,
        Duration.ofMillis(20), System::nanoTime);
  }

  private Sequencer started(AuditStore store, Sequencer.Limits limits) {
    return unstarted(store, limits).start();
  }

  /** A draft whose serialized size is about {@code bytes}. */
  private static Entry large(int bytes) {
    return AuditStoreContract.drafts(1).get(0).toBuilder()
        .putAttributes("padding", "x".repeat(bytes)).build();
  }

  private static List<Entry> await(List<CompletableFuture<Entry>> futures) throws Exception {
    List<Entry> entries = new ArrayList<>();
    for (CompletableFuture<Entry> f : futures) {
      entries.add(f.get(10, TimeUnit.SECONDS));
    }
    return entries;
  }
}
