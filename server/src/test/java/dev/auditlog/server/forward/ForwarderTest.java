package dev.auditlog.server.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.ForwardingStore;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * One forwarder step by step over the in-memory store and a scripted destination: order,
 * checkpoints after their entries, only trusted ones, the cursor over what was
 * acknowledged, splitting on 413, backoff on transient failures, pausing on permanent ones,
 * and the lease.
 */
class ForwarderTest {
  private static final String LOG = "default";

  private final MemoryAuditStore store = new MemoryAuditStore();
  private final ForwardingStore forwarding = store.forwarding();
  private final ScriptedDestination destination = new ScriptedDestination();
  private final List<Duration> waits = new ArrayList<>();

  @Test
  void step_deliversEntriesInOrder_withTrustedCheckpointsAfterTheirEntries() throws Exception {
    append(3);
    checkpoint("good");
    checkpoint("forged");
    append(2);
    Forwarder f = forwarder(100);

    assertTrue(f.step());

    assertEquals(List.of("e1", "e2", "e3", "c3", "e4", "e5"), destination.received());
    assertEquals(5, cursor().seq());
    assertEquals(2, cursor().checkpointId(), "the forged checkpoint is passed over");
    assertTrue(!f.step(), "nothing left");
  }

  @Test
  void step_stopsAtTheBatchSize_andTheNextStepContinues() throws Exception {
    append(5);
    Forwarder f = forwarder(2);

    f.step();
    f.step();
    f.step();

    assertEquals(List.of("e1", "e2", "e3", "e4", "e5"), destination.received());
    assertEquals(5, cursor().seq());
  }

  @Test
  void partialDelivery_movesTheCursorOverTheAcknowledgedPrefix_andRetriesTheRest()
      throws Exception {
    append(4);
    destination.script.add(new DeliveryException(DeliveryException.Kind.RETRY,
        "item 3 refused with 429", Duration.ofSeconds(2), 2, null));

    forwarder(100).step();

    assertEquals(List.of("e1", "e2", "e3", "e4"), destination.received());
    assertEquals(4, cursor().seq());
    assertTrue(waits.get(0).compareTo(Duration.ofSeconds(2)) >= 0, "Retry-After honoured");
    assertEquals("item 3 refused with 429", cursor().lastError());
  }

  @Test
  void tooLarge_splitsTheBatchUntilItFits() throws Exception {
    append(8);
    destination.maxBatch = 3;

    forwarder(100).step();

    assertEquals(8, destination.received().size());
    assertEquals(List.of(8, 4, 2, 2, 2, 2), destination.batchSizes, "halved until it fits");
    assertEquals(8, cursor().seq());
  }

  @Test
  void permanentRefusal_pausesTheDestination_untilReplayResumesIt() throws Exception {
    append(2);
    destination.script.add(DeliveryException.permanent("HTTP 401: bad token"));
    Forwarder f = forwarder(100);

    f.step();

    assertEquals("HTTP 401: bad token", cursor().paused());
    assertTrue(!f.step(), "a paused destination gets nothing");
    forwarding.replay("siem", LOG, 0);
    assertNull(cursor().paused());
    f.step();
    assertEquals(List.of("e1", "e2"), destination.received());
  }

  @Test
  void replay_fromASeq_deliversItAgainWithTheCheckpointsFromThere() throws Exception {
    append(2);
    checkpoint("good");
    append(2);
    Forwarder f = forwarder(100);
    f.step();
    destination.log.clear();

    forwarding.replay("siem", LOG, 2);
    f.step();

    assertEquals(List.of("e2", "c2", "e3", "e4"), destination.received());
  }

  @Test
  void entryNotCommittedYet_isWaitedFor_neverSkipped() throws Exception {
    append(2);
    ForwardingStore gappy = new GapStore(forwarding, 2); // seq 2 not visible yet
    Forwarder f = new Forwarder(gappy, LOG, destination, 100, c -> true,
        Forwarder.Timing.DEFAULT, d -> waits.add(d));

    f.step();

    assertEquals(List.of("e1"), destination.received());
    assertEquals(1, cursor().seq());
  }

  @Test
  void lease_isHeldByOneForwarderAtATime() throws Exception {
    Optional<ForwardingStore.Lease> first = forwarding.tryLead("siem", LOG);
    assertTrue(first.isPresent());
    assertTrue(forwarding.tryLead("siem", LOG).isEmpty());
    first.get().close();
    assertTrue(forwarding.tryLead("siem", LOG).isPresent());
  }

  private Forwarder forwarder(int batchSize) {
    return new Forwarder(forwarding, LOG, destination, batchSize,
        c -> c.getKeyId().equals("aa".repeat(32)), Forwarder.Timing.DEFAULT, d -> {
          waits.add(d);
          return true;
        });
  }

  private ForwardCursor cursor() throws StoreException {
    return forwarding.cursor("siem", LOG);
  }

  private void append(int n) throws StoreException {
    try (AppendTransaction tx = store.beginAppend(LOG, List.of(), AppendMode.READ)) {
      LogHead head = tx.head();
      String chain = head.chainHash();
      List<Entry> entries = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        Entry draft = Entry.newBuilder().setSeq(head.seq() + i)
            .setRecordedAt(timestamp(head.clock().getEpochSecond()))
            .setEventId(UUID.randomUUID().toString()).setAction("user.login")
            .setOutcome(Outcome.OUTCOME_SUCCESS).setProducer("auth-backend").build();
        String entryHash = EntryHasher.entryHash(draft);
        chain = EntryHasher.chainHash(chain, entryHash);
        entries.add(draft.toBuilder().setEntryHash(entryHash).setChainHash(chain).build());
      }
      tx.insert(entries);
      tx.commit();
    }
  }

  /** A checkpoint of the head: signed by the trusted key "aa..." if good, else by another. */
  private void checkpoint(String kind) throws StoreException {
    try (AppendTransaction tx = store.lockHead(LOG)) {
      tx.insertCheckpoint(Checkpoint.newBuilder().setLogId(LOG).setSeq(tx.head().seq())
          .setChainHash(tx.head().chainHash()).setRecordedAt(timestamp(0))
          .setKeyId((kind.equals("good") ? "aa" : "bb").repeat(32))
          .setPublicKey(ByteString.EMPTY).setSignature(ByteString.copyFrom(new byte[64]))
          .build());
      tx.commit();
    }
  }

  private static Timestamp timestamp(long seconds) {
    return Timestamp.newBuilder().setSeconds(seconds).build();
  }

  /** Records what it receives; fails as scripted; refuses batches above maxBatch (413). */
  private static final class ScriptedDestination implements Destination {
    final Deque<DeliveryException> script = new ArrayDeque<>();
    final List<String> log = new ArrayList<>();
    final List<Integer> batchSizes = new ArrayList<>();
    int maxBatch = Integer.MAX_VALUE;

    @Override
    public String name() {
      return "siem";
    }

    @Override
    public int deliver(List<ForwardRecord> records) throws DeliveryException {
      batchSizes.add(records.size());
      if (records.size() > maxBatch) {
        throw new DeliveryException(DeliveryException.Kind.TOO_LARGE, "413", null, 0, null);
      }
      DeliveryException failure = script.poll();
      int n = failure == null ? records.size() : failure.delivered();
      for (ForwardRecord r : records.subList(0, n)) {
        log.add((r instanceof ForwardRecord.CheckpointRecord ? "c" : "e") + r.seq());
      }
      if (failure != null) {
        throw failure;
      }
      return n;
    }

    List<String> received() {
      return List.copyOf(log);
    }

    @Override
    public void close() {}
  }

  /** Hides entries from {@code hiddenFrom} on, as a commit not visible yet. */
  private static final class GapStore implements ForwardingStore {
    private final ForwardingStore store;
    private final long hiddenFrom;

    GapStore(ForwardingStore store, long hiddenFrom) {
      this.store = store;
      this.hiddenFrom = hiddenFrom;
    }

    @Override
    public List<Entry> entries(String logId, long afterSeq, int limit) throws StoreException {
      return store.entries(logId, afterSeq, limit).stream()
          .filter(e -> e.getSeq() != hiddenFrom).toList();
    }

    @Override
    public List<dev.auditlog.server.store.StoredCheckpoint> checkpoints(String logId,
        long afterId, int limit) throws StoreException {
      return store.checkpoints(logId, afterId, limit);
    }

    @Override
    public LogHead head(String logId) throws StoreException {
      return store.head(logId);
    }

    @Override
    public Optional<Lease> tryLead(String destination, String logId) throws StoreException {
      return store.tryLead(destination, logId);
    }

    @Override
    public ForwardCursor cursor(String destination, String logId) throws StoreException {
      return store.cursor(destination, logId);
    }

    @Override
    public List<ForwardCursor> cursors() throws StoreException {
      return store.cursors();
    }

    @Override
    public void advance(String destination, String logId, long seq, long checkpointId)
        throws StoreException {
      store.advance(destination, logId, seq, checkpointId);
    }

    @Override
    public void failed(String destination, String logId, String error, boolean pause)
        throws StoreException {
      store.failed(destination, logId, error, pause);
    }

    @Override
    public void replay(String destination, String logId, long fromSeq) throws StoreException {
      store.replay(destination, logId, fromSeq);
    }
  }
}
