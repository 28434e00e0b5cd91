package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assigns each event of one log its {@code seq}, {@code recorded_at}, {@code entry_hash}
 * and {@code chain_hash}, and stores it.
 *
 * <p>Callers {@link #submit} drafts (events with their producer) to a bounded queue; one
 * thread takes whatever is waiting, up to a group size, and stores the group in one
 * transaction, so many appends share one commit and its fsync. A future completes only
 * after its group committed, with the stored entry; for an event id stored before with
 * the same content, with that entry (idempotent retry); exceptionally with {@link
 * DuplicateEventException} when the content differs, or with {@link StoreException} when
 * the group could not be stored (none of it is; the outcome of a failed commit may be
 * unknown, which a retry with the same event id resolves).
 *
 * <p>{@link #submit} is thread-safe and never blocks. Completions run on the sequencer
 * thread, so callbacks must not block.
 */
public final class Sequencer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sequencer.class);
  private static final int MAX_ATTEMPTS = 5;

  private final AuditStore store;
  private final String logId;
  private final int maxGroupSize;
  private final int queueCapacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final Thread thread;
  private boolean closed;

  public Sequencer(AuditStore store, String logId, int maxGroupSize, int queueCapacity) {
    if (maxGroupSize < 1) {
      throw new IllegalArgumentException("maxGroupSize must be >= 1, got " + maxGroupSize);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
    }
    this.store = store;
    this.logId = logId;
    this.maxGroupSize = maxGroupSize;
    this.queueCapacity = queueCapacity;
    this.thread = new Thread(this::run, "sequencer-" + logId);
  }

  /** Starts the sequencer thread. */
  public Sequencer start() {
    thread.start();
    return this;
  }

  /**
   * Queues drafts, all or none, in order, and returns one future per draft.
   *
   * @throws QueueFullException if the queue cannot take all of them
   * @throws IllegalStateException if the sequencer is closed
   */
  public List<CompletableFuture<Entry>> submit(List<Entry> drafts) throws QueueFullException {
    List<CompletableFuture<Entry>> futures = new ArrayList<>(drafts.size());
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("sequencer is closed");
      }
      if (queue.size() + drafts.size() > queueCapacity) {
        throw new QueueFullException(drafts.size(), queueCapacity);
      }
      for (Entry draft : drafts) {
        Pending p = new Pending(draft, new CompletableFuture<>());
        queue.add(p);
        futures.add(p.future);
      }
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    return futures;
  }

  /** Stops taking new events, stores those already queued, and waits for the thread. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    List<Pending> group;
    while ((group = nextGroup()) != null) {
      try {
        storeGroup(group);
      } catch (StoreException e) {
        log.warn("append group of {} failed: {}", group.size(), e.getMessage());
        group.forEach(p -> p.future.completeExceptionally(e));
      } catch (RuntimeException e) {
        log.error("append group of {} failed unexpectedly", group.size(), e);
        StoreException wrapped = new StoreException("unexpected failure", false, e);
        group.forEach(p -> p.future.completeExceptionally(wrapped));
      }
    }
  }

  /** Waits for work; returns null once closed and drained. */
  private List<Pending> nextGroup() {
    lock.lock();
    try {
      while (queue.isEmpty() && !closed) {
        notEmpty.awaitUninterruptibly();
      }
      if (queue.isEmpty()) {
        return null;
      }
      int n = Math.min(maxGroupSize, queue.size());
      List<Pending> group = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        group.add(queue.poll());
      }
      return group;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stores a group, sealing it again when another appender moved the head between the
   * read and the commit (the store then takes the lock first, so this ends quickly).
   */
  private void storeGroup(List<Pending> group) throws StoreException {
    Set<String> ids = new LinkedHashSet<>();
    group.forEach(p -> ids.add(p.draft.getEventId()));
    for (int attempt = 1; ; attempt++) {
      try {
        List<Object> outcomes = sealAndCommit(group, ids);
        for (int i = 0; i < group.size(); i++) {
          complete(group.get(i).future, outcomes.get(i));
        }
        return;
      } catch (HeadMovedException e) {
        if (attempt == MAX_ATTEMPTS) {
          throw e;
        }
        log.debug("head of log {} moved, sealing the group again", logId);
      }
    }
  }

  /** One attempt: returns each draft's entry or exception once the group is committed. */
  private List<Object> sealAndCommit(List<Pending> group, Set<String> ids)
      throws StoreException {
    List<Entry> inserted = new ArrayList<>(group.size());
    List<Object> outcomes = new ArrayList<>(group.size());
    try (AppendTransaction tx = store.beginAppend(logId, ids)) {
      Map<String, Entry> known = new HashMap<>(tx.existing());
      LogHead head = tx.head();
      Chain chain = new Chain(head.seq(), head.chainHash(), head.nextRecordedAt());
      for (Pending p : group) {
        outcomes.add(resolve(p.draft, known, chain, inserted));
      }
      tx.insert(inserted);
      tx.commit();
    }
    return outcomes;
  }

  /** Seals a new draft into the chain, or answers a retry from the entry already known. */
  private static Object resolve(
      Entry draft, Map<String, Entry> known, Chain chain, List<Entry> inserted) {
    Entry prior = known.get(draft.getEventId());
    if (prior != null) {
      return sameEvent(prior, draft) ? prior : new DuplicateEventException(prior);
    }
    Entry sealed = chain.seal(draft);
    known.put(sealed.getEventId(), sealed);
    inserted.add(sealed);
    return sealed;
  }

  static boolean sameEvent(Entry stored, Entry draft) {
    Entry content =
        stored.toBuilder().clearSeq().clearRecordedAt().clearEntryHash().clearChainHash().build();
    return content.equals(draft);
  }

  private static void complete(CompletableFuture<Entry> future, Object outcome) {
    if (outcome instanceof Entry e) {
      future.complete(e);
    } else {
      future.completeExceptionally((Throwable) outcome);
    }
  }

  /** The running tail of the chain while a group is sealed. */
  private static final class Chain {
    private final com.google.protobuf.Timestamp recordedAt;
    private long seq;
    private String chainHash;

    Chain(long seq, String chainHash, Instant recordedAt) {
      this.seq = seq;
      this.chainHash = chainHash;
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
  }

  private record Pending(Entry draft, CompletableFuture<Entry> future) {}
}
