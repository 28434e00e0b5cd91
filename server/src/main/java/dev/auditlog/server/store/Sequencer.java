package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.metrics.AuditMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append pipeline of one log: assigns each event its {@code seq}, {@code recorded_at},
 * {@code entry_hash} and {@code chain_hash}, and stores it, many appends to one commit.
 *
 * <p>Callers {@link #submit} drafts (events with their producer) to an {@link AppendQueue}
 * bounded in appends and in bytes. A sealing thread takes whatever waits, up to a group's
 * budget, as soon as one of two committing threads is free; the {@link GroupSealer} seals
 * it into the chain (its policy decides how, and what follows a conflict); the group is
 * handed to a committing thread, which commits it in one transaction and completes its
 * appends. While one group commits the next is sealed, so the two overlap.
 *
 * <p>The life of a committer permit ({@code freeCommitters}, one per committing thread):
 * the sealing thread acquires one before it takes a group, so a group is taken only when a
 * committer can take it and everything that arrived meanwhile joins it; the permit is
 * released when the group settles (committed, failed, or sent back to be sealed again), or
 * at once when sealing it fails. The hand-off is synchronous: a group is never parked.
 *
 * <p>A future completes only after its group committed: with the stored entry (or, for a
 * retried event id with the same content, the entry stored first); exceptionally with
 * {@link DuplicateEventException} when the content differs, or {@link StoreException} when
 * the group could not be stored (none of it is; a retry with the same event id settles an
 * unknown outcome). Completions run on a committing thread, so callbacks must not block.
 *
 * <p>Any {@link Throwable} that escapes a pipeline thread (an {@link OutOfMemoryError}, a
 * bug) fails every waiting append with {@link SequencerStoppedException}, refuses new ones,
 * and goes to the fatal handler, which stops the process: nothing is answered that is not
 * committed, and nobody waits for an answer that cannot come.
 */
public final class Sequencer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sequencer.class);
  private static final int COMMITTERS = 2;
  /** How old a commit's database clock reading may be for the next group's recorded_at. */
  private static final Duration CLOCK_MAX_AGE = Duration.ofMillis(20);
  private static final SealedGroup STOP =
      new SealedGroup(List.of(), null, List.of(), List.of(), null, null);

  /** How much may wait: appends and bytes (serialized drafts) in the queue, and per group. */
  public record Limits(int maxGroupSize, long maxGroupBytes, int queueCapacity,
      long queueBytes) {
    public Limits {
      if (maxGroupSize < 1 || maxGroupBytes < 1 || queueCapacity < 1 || queueBytes < 1) {
        throw new IllegalArgumentException("sequencer limits must be >= 1: " + maxGroupSize
            + ", " + maxGroupBytes + ", " + queueCapacity + ", " + queueBytes);
      }
    }
  }

  private final String logId;
  private final AppendQueue queue;
  private final GroupSealer groupSealer;
  private final Consumer<Throwable> onFatal;
  private final SynchronousQueue<SealedGroup> handoff = new SynchronousQueue<>();
  private final Semaphore freeCommitters = new Semaphore(COMMITTERS);
  private final PipelineThreads threads;
  private final AuditMetrics metrics;

  /**
   * @param onFatal called once, on the failing thread, after a pipeline thread died and the
   *     waiting appends were failed; it should stop the process
   */
  public Sequencer(AuditStore store, String logId, Limits limits, Consumer<Throwable> onFatal) {
    this(store, logId, limits, onFatal, AuditMetrics.inMemory());
  }

  /**
   * @param metrics gets each commit's group size and duration, and a view of the queue
   */
  public Sequencer(AuditStore store, String logId, Limits limits, Consumer<Throwable> onFatal,
      AuditMetrics metrics) {
    this(store, logId, limits, onFatal, CLOCK_MAX_AGE, System::nanoTime, metrics);
  }

  /** With the clock reading's age limit and the local clock given (tests). */
  Sequencer(AuditStore store, String logId, Limits limits, Consumer<Throwable> onFatal,
      Duration clockMaxAge, LongSupplier nanoTime) {
    this(store, logId, limits, onFatal, clockMaxAge, nanoTime, AuditMetrics.inMemory());
  }

  private Sequencer(AuditStore store, String logId, Limits limits, Consumer<Throwable> onFatal,
      Duration clockMaxAge, LongSupplier nanoTime, AuditMetrics metrics) {
    this.logId = logId;
    this.queue = new AppendQueue(logId, limits);
    this.onFatal = onFatal;
    this.metrics = metrics;
    metrics.queue(logId, queue::depth, queue::bytes, limits.queueCapacity(),
        limits.queueBytes());
    this.groupSealer = new GroupSealer(store, logId, queue::awaitIdle, clockMaxAge, nanoTime);
    this.threads =
        new PipelineThreads(logId, this::sealLoop, this::commitLoop, COMMITTERS, this::fatal);
  }

  /** Starts the pipeline's threads. */
  public Sequencer start() {
    threads.start();
    return this;
  }

  /**
   * Queues drafts, all or none, in order, and returns one future per draft. Never blocks.
   *
   * @throws QueueFullException if the queue cannot take all of them (appends or bytes)
   * @throws SequencerStoppedException if the sequencer is closed or failed
   */
  public List<CompletableFuture<Entry>> submit(List<Entry> drafts)
      throws QueueFullException, SequencerStoppedException {
    return queue.offer(drafts);
  }

  /** Stops taking new events, stores those already queued, and waits for the threads. */
  @Override
  public void close() {
    queue.close();
    try {
      threads.joinSealer(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void sealLoop() {
    while (true) {
      freeCommitters.acquireUninterruptibly(); // released when the group settles
      List<Pending> group = queue.takeGroup();
      if (group == null) {
        break;
      }
      try {
        SealedGroup sealed = groupSealer.seal(group);
        queue.dispatched(sealed);
        hand(sealed);
      } catch (StoreException e) {
        log.warn("append group of {} failed: {}", group.size(), e.getMessage());
        failBeforeCommit(group, e);
      } catch (RuntimeException e) {
        log.error("append group of {} failed unexpectedly", group.size(), e);
        failBeforeCommit(group, new StoreException("unexpected failure", false, e));
      }
    }
    if (!queue.failed()) {
      threads.forEachCommitter(() -> hand(STOP));
      threads.joinCommitters();
    }
  }

  private void failBeforeCommit(List<Pending> group, StoreException e) {
    group.forEach(p -> p.future.completeExceptionally(e));
    freeCommitters.release();
  }

  /** Hands a group to a free committer; gives up only once the pipeline failed. */
  private void hand(SealedGroup g) {
    boolean interrupted = false;
    while (!queue.failed()) {
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
    while (!queue.failed()) {
      SealedGroup g;
      try {
        g = handoff.take();
      } catch (InterruptedException e) {
        continue; // only STOP or a failure ends the loop, so nothing handed over is lost
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
        groupSealer.predecessorFailed();
        reseal(g, new HeadMovedException("log " + logId + " is contended; retry", null));
        return;
      }
      long started = System.nanoTime();
      tx.commit();
      metrics.groupCommitted(logId, g.pending.size(), System.nanoTime() - started);
      groupSealer.committed(tx.clockAtCommit());
    } catch (HeadMovedException e) {
      groupSealer.headMoved();
      reseal(g, e);
      return;
    } catch (StoreException e) {
      log.warn("append group of {} failed: {}", g.pending.size(), e.getMessage());
      failAfterCommit(g, e);
      return;
    } catch (RuntimeException e) {
      log.error("append group of {} failed unexpectedly", g.pending.size(), e);
      failAfterCommit(g, new StoreException("unexpected failure", false, e));
      return;
    }
    settle(g, true, List.of());
    for (int i = 0; i < g.pending.size(); i++) {
      g.outcomes.get(i).complete(g.pending.get(i).future);
    }
  }

  /** Sends the group's appends back to be sealed again, failing those tried too often. */
  private void reseal(SealedGroup g, HeadMovedException cause) {
    List<Pending> again = new ArrayList<>();
    List<Pending> exhausted = new ArrayList<>();
    for (Pending p : g.pending) {
      (groupSealer.mayRetry(p) ? again : exhausted).add(p);
    }
    settle(g, false, again);
    log.debug("head of log {} moved, sealing {} appends again", logId, again.size());
    exhausted.forEach(p -> p.future.completeExceptionally(cause));
  }

  private void failAfterCommit(SealedGroup g, StoreException e) {
    settle(g, false, List.of());
    g.pending.forEach(p -> p.future.completeExceptionally(e));
  }

  private void settle(SealedGroup g, boolean committed, List<Pending> again) {
    queue.settle(g, committed, again);
    freeCommitters.release();
  }

  /** Fails every append waiting anywhere in the pipeline, and calls the fatal handler. */
  private void fatal(Throwable t) {
    List<Pending> orphans = queue.fail(t);
    freeCommitters.release(COMMITTERS);
    SequencerStoppedException stopped = new SequencerStoppedException(
        "the append pipeline of log '" + logId + "' failed; the server is stopping", t);
    orphans.forEach(p -> p.future.completeExceptionally(stopped));
    try {
      log.error("append pipeline of log {} failed; {} waiting appends answered UNAVAILABLE",
          logId, orphans.size(), t);
    } finally {
      threads.interruptOthers();
      onFatal.accept(t);
    }
  }
}
