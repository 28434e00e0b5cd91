package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assigns each event of one log its {@code seq}, {@code recorded_at}, {@code entry_hash}
 * and {@code chain_hash}, and stores it.
 *
 * <p>Callers {@link #submit} drafts (events with their producer) to a bounded queue. As soon
 * as one of two committing threads is free, a sealing thread takes whatever is waiting, up
 * to a group size (after waiting briefly for the group in flight to commit, so that groups
 * grow under load), reads the head, seals the group into the chain and hands it over; the
 * committing thread stores the group in one transaction, so many appends share one commit
 * and its fsync. When the store {@linkplain AuditStore#pipelines() pipelines}, a group is
 * sealed after the tail of the one still committing, so that reading, sealing and the next
 * INSERT overlap the commit; the store refuses a group whose predecessor did not commit,
 * and such a group is sealed again. Otherwise groups are stored strictly one after another.
 * While appends keep coming, a group is sealed without any read at all: after the previous
 * group's tail, at the database clock a recent commit read ({@link CommitClock}); a moved
 * head or an event id stored before makes its commit fail, and it is sealed again after a
 * full read under the log's lock.
 *
 * <p>A future completes only after its group committed, with the stored entry; for an
 * event id stored before with the same content, with that entry (idempotent retry);
 * exceptionally with {@link DuplicateEventException} when the content differs, or with
 * {@link StoreException} when the group could not be stored (none of it is; the outcome of a
 * failed commit may be unknown, which a retry with the same event id resolves).
 *
 * <p>{@link #submit} is thread-safe and never blocks. Completions run on the committing
 * thread, so callbacks must not block.
 */
public final class Sequencer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sequencer.class);
  private static final int MAX_ATTEMPTS = 10;
  private static final int COMMITTERS = 2;
  /**
   * How old a commit's reading of the database clock may be for the next group's
   * recorded_at; with an older one (the log was idle) the group reads the clock afresh.
   */
  private static final Duration CLOCK_MAX_AGE = Duration.ofMillis(20);
  /**
   * How long after another appender moved the head every group reads it before sealing:
   * sealing without a read pays off only while this sequencer is the log's one appender.
   */
  private static final long CONTENDED_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * How long the sealer waits for the group in flight to commit before it takes the next
   * group anyway. Waiting makes the next group larger (everyone answered by the commit comes
   * back into it), and larger groups cost less CPU per event in the server and in PostgreSQL:
   * with 64 callers on two cores, 21k instead of 18k events/s and a lower p50. The next group
   * could not commit before the one in flight anyway (one log is one chain); the limit keeps
   * the two committers overlapping when a commit is slow.
   */
  private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(3);
  private static final SealedGroup STOP = new SealedGroup(List.of(), null, null, null, null, null);

  private final AuditStore store;
  private final CommitClock commitClock;
  private final String logId;
  private final int maxGroupSize;
  private final int queueCapacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition settled = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  /** Appends whose group must be sealed again; they go before the queue, in submit order. */
  private final PriorityQueue<Pending> retries =
      new PriorityQueue<>(Comparator.comparingLong((Pending p) -> p.order));
  private final SynchronousQueue<SealedGroup> handoff = new SynchronousQueue<>();
  private final Thread sealer;
  private final List<Thread> committers = new ArrayList<>();
  private final Semaphore freeCommitters = new Semaphore(COMMITTERS);
  private long submitted;
  private boolean closed;
  /** Groups handed to the committers and not yet settled; guarded by the lock. */
  private int inFlight;
  /** Appends in the groups in flight; guarded by the lock. */
  private int inFlightAppends;
  private SealedGroup lastSealed;
  private volatile boolean lockFirst;
  /** System.nanoTime() until which groups are sealed after a read (the log is contended). */
  private volatile long readBeforeSealingUntil = System.nanoTime();

  public Sequencer(AuditStore store, String logId, int maxGroupSize, int queueCapacity) {
    this(store, logId, maxGroupSize, queueCapacity, CLOCK_MAX_AGE);
  }

  /** With how old a commit's clock reading may be for the next group (tests). */
  Sequencer(AuditStore store, String logId, int maxGroupSize, int queueCapacity,
      Duration clockMaxAge) {
    this.commitClock = new CommitClock(clockMaxAge);
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
    this.sealer = new Thread(this::sealLoop, "sequencer-" + logId);
    // Two committers: the next group's INSERT already waits on the log's lock in PostgreSQL
    // while the one before commits, so no round trip separates the two commits.
    for (int i = 0; i < COMMITTERS; i++) {
      committers.add(new Thread(this::commitLoop, "sequencer-commit-" + logId + "-" + i));
    }
  }

  /** Starts the sequencer's threads. */
  public Sequencer start() {
    committers.forEach(Thread::start);
    sealer.start();
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
        Pending p = new Pending(draft, new CompletableFuture<>(), submitted++);
        queue.add(p);
        futures.add(p.future);
      }
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    return futures;
  }

  /** Stops taking new events, stores those already queued, and waits for the threads. */
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
      sealer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void sealLoop() {
    List<Pending> group;
    // A group is taken only when a committer is free to take it, so that everything that
    // arrived while both were busy goes into it: fewer, larger groups under load.
    while (acquireCommitter() && (group = nextGroup()) != null) {
      SealedGroup sealed;
      try {
        sealed = seal(group);
      } catch (StoreException e) {
        log.warn("append group of {} failed: {}", group.size(), e.getMessage());
        fail(group, e);
        freeCommitters.release();
        continue;
      } catch (RuntimeException e) {
        log.error("append group of {} failed unexpectedly", group.size(), e);
        fail(group, new StoreException("unexpected failure", false, e));
        freeCommitters.release();
        continue;
      }
      lastSealed = sealed;
      lock.lock();
      try {
        inFlight++;
        inFlightAppends += sealed.pending.size();
      } finally {
        lock.unlock();
      }
      hand(sealed);
    }
    committers.forEach(c -> hand(STOP));
    try {
      for (Thread committer : committers) {
        committer.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for work; returns null once closed, drained, and nothing is left to retry. */
  private List<Pending> nextGroup() {
    lock.lock();
    try {
      while (queue.isEmpty() && retries.isEmpty()) {
        if (closed && inFlight == 0) {
          return null;
        }
        notEmpty.awaitUninterruptibly();
      }
      lingerWhileInFlight();
      int n = Math.min(maxGroupSize, queue.size() + retries.size());
      List<Pending> group = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        group.add(retries.isEmpty() ? queue.poll() : retries.poll());
      }
      return group;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under the lock: waits up to {@link #LINGER_NANOS} for the groups in flight to settle,
   * but not once as many appends wait as are in flight: a group that large gains nothing by
   * waiting, and sealing it now overlaps the commit (large batches).
   */
  private void lingerWhileInFlight() {
    long left = LINGER_NANOS;
    while (inFlight > 0 && left > 0 && queue.size() + retries.size() < inFlightAppends) {
      try {
        left = settled.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Reads the head and seals the group after it, or after the group still committing when
   * that one reaches further (the store pipelines). Returns with the transaction open.
   */
  private SealedGroup seal(List<Pending> group) throws StoreException {
    boolean locking = lockFirst;
    if (locking || !store.pipelines()) {
      awaitIdle(); // a lock taken now must not wait for our own commit in flight
    }
    lockFirst = false;
    Set<String> ids = new LinkedHashSet<>();
    group.forEach(p -> ids.add(p.draft.getEventId()));
    SealedGroup prev = lastSealed;
    // Read once: a group that has finished stays finished, committed or not.
    boolean prevInFlight = prev != null && !prev.finished();
    boolean prevStored = prev != null && !prevInFlight && !prev.failed();
    LogHead after = locking ? null : sealAfter(prev);
    AppendTransaction tx = after != null ? store.beginAppend(logId, ids, after)
        : store.beginAppend(logId, ids, locking);
    try {
      Map<String, Entry> known = new HashMap<>(tx.existing());
      LogHead base = tx.head();
      boolean chained = after != null ? prevInFlight
          : (prevInFlight || prevStored) && prev.tail.seq() > base.seq();
      if (chained || (after != null && prevStored)) {
        prev.inserted.forEach(e -> known.putIfAbsent(e.getEventId(), e));
      }
      if (chained) {
        base = new LogHead(prev.tail.seq(), prev.tail.chainHash(), prev.tail.recordedAt(),
            base.clock());
        tx.chainAfter(base);
      }
      Chain chain = new Chain(base.seq(), base.chainHash(), base.nextRecordedAt());
      List<Entry> inserted = new ArrayList<>(group.size());
      List<Object> outcomes = new ArrayList<>(group.size());
      for (Pending p : group) {
        outcomes.add(resolve(p.draft, known, chain, inserted));
      }
      tx.insert(inserted);
      return new SealedGroup(group, tx, outcomes, inserted, chain.tail(base.clock()),
          chained ? prev : null);
    } catch (StoreException | RuntimeException e) {
      tx.close();
      throw e;
    }
  }

  /**
   * The head to seal the next group after without reading it, or null for a full read: the
   * tail of the previous group (committed or still committing) with the database clock read
   * by a commit at most {@link #CLOCK_MAX_AGE} ago, unless a head moved in the last {@link
   * #CONTENDED_NANOS}. Whatever is wrong with it (another
   * appender got in, an event id is stored already) the guarded commit refuses, and the group
   * is sealed again after a full read under the lock.
   */
  private LogHead sealAfter(SealedGroup prev) {
    if (prev == null || prev.failed() || System.nanoTime() - readBeforeSealingUntil < 0) {
      return null;
    }
    Instant clock = commitClock.recent();
    if (clock == null) {
      return null;
    }
    return new LogHead(prev.tail.seq(), prev.tail.chainHash(), prev.tail.recordedAt(), clock);
  }

  private boolean acquireCommitter() {
    freeCommitters.acquireUninterruptibly();
    return true;
  }

  private void awaitIdle() {
    lock.lock();
    try {
      while (inFlight > 0) {
        settled.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
  }

  private void hand(SealedGroup g) {
    boolean interrupted = false;
    while (true) {
      try {
        handoff.put(g);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void commitLoop() {
    while (true) {
      SealedGroup g;
      try {
        g = handoff.take();
      } catch (InterruptedException e) {
        continue; // only the STOP group ends the loop, so nothing handed over is lost
      }
      if (g == STOP) {
        return;
      }
      commit(g);
    }
  }

  /** Commits a sealed group and completes its appends, or sends them back to be resealed. */
  private void commit(SealedGroup g) {
    try (AppendTransaction tx = g.transaction) {
      if (g.inserted.isEmpty()) {
        g.awaitPredecessor(); // nothing to insert: no guard would notice a failed predecessor
      }
      if (g.predecessorFailed()) {
        lockFirst = true; // sealed again under the lock, so it cannot lose the same race twice
        reseal(g, null);
        return;
      }
      tx.commit();
      commitClock.note(tx.clockAtCommit());
    } catch (HeadMovedException e) {
      lockFirst = true;
      readBeforeSealingUntil = System.nanoTime() + CONTENDED_NANOS;
      reseal(g, e);
      return;
    } catch (StoreException e) {
      log.warn("append group of {} failed: {}", g.pending.size(), e.getMessage());
      finishFailed(g, e);
      return;
    } catch (RuntimeException e) {
      log.error("append group of {} failed unexpectedly", g.pending.size(), e);
      finishFailed(g, new StoreException("unexpected failure", false, e));
      return;
    }
    settle(g, true, List.of());
    for (int i = 0; i < g.pending.size(); i++) {
      complete(g.pending.get(i).future, g.outcomes.get(i));
    }
  }

  /**
   * Records a handed-over group's outcome, and queues appends to be sealed again, in one
   * step under the lock, so that the sealer never sees nothing in flight and nothing to
   * retry while appends are on their way back.
   */
  private void settle(SealedGroup g, boolean committed, List<Pending> again) {
    lock.lock();
    try {
      g.finish(committed);
      retries.addAll(again);
      inFlight--;
      inFlightAppends -= g.pending.size();
      notEmpty.signal();
      settled.signalAll();
    } finally {
      lock.unlock();
    }
    freeCommitters.release();
  }

  /** Queues the group's appends to be sealed again, or fails those tried too often. */
  private void reseal(SealedGroup g, HeadMovedException cause) {
    List<Pending> again = new ArrayList<>();
    List<Pending> exhausted = new ArrayList<>();
    for (Pending p : g.pending) {
      (++p.attempts < MAX_ATTEMPTS ? again : exhausted).add(p);
    }
    settle(g, false, again);
    log.debug("head of log {} moved, sealing {} appends again", logId, g.pending.size());
    fail(exhausted, cause != null ? cause
        : new HeadMovedException("log " + logId + " is contended; retry", null));
  }

  private void finishFailed(SealedGroup g, StoreException e) {
    settle(g, false, List.of());
    fail(g.pending, e);
  }

  private static void fail(List<Pending> pending, StoreException e) {
    pending.forEach(p -> p.future.completeExceptionally(e));
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
}
