package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state a {@link Sequencer}'s threads share, behind one lock: the appends waiting (in
 * count and bytes), those sent back to be sealed again, the groups in flight, and whether
 * the pipeline is closed or failed. Nobody calls the store while holding the lock.
 *
 * <p>Invariants: an append is in exactly one place (the queue, the retries, a group in
 * flight, or completed); a group leaves the in-flight set in the same step as its appends
 * join the retries ({@link #settle}), so {@link #takeGroup} never sees nothing in flight and
 * nothing to retry while they travel; the byte count is that of the queue alone.
 */
final class AppendQueue {
  /**
   * How long the sealing thread waits for the groups in flight before taking the next group:
   * everyone answered by the commit comes back into it, and larger groups cost less CPU per
   * event in the server and in PostgreSQL. The next group could not commit earlier anyway
   * (one log is one chain); the limit keeps the two committers overlapping.
   */
  private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(3);

  private final String logId;
  private final Sequencer.Limits limits;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition settled = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  /** Appends whose group must be sealed again; they go first, in submit order. */
  private final PriorityQueue<Pending> retries =
      new PriorityQueue<>(Comparator.comparingLong((Pending p) -> p.order));
  private final Set<SealedGroup> inFlight = Collections.newSetFromMap(new IdentityHashMap<>());
  private long submitted;
  private long queuedBytes;
  private int inFlightAppends;
  private boolean closed;
  private Throwable failure;

  AppendQueue(String logId, Sequencer.Limits limits) {
    this.logId = logId;
    this.limits = limits;
  }

  /** Queues drafts, all or none, in order; one future per draft. Never blocks for long. */
  List<CompletableFuture<Entry>> offer(List<Entry> drafts)
      throws QueueFullException, SequencerStoppedException {
    int[] sizes = new int[drafts.size()];
    long bytes = 0;
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = drafts.get(i).getSerializedSize(); // outside the lock: it walks the message
      bytes += sizes[i];
    }
    List<CompletableFuture<Entry>> futures = new ArrayList<>(drafts.size());
    lock.lock();
    try {
      requireRunning();
      if (queue.size() + drafts.size() > limits.queueCapacity()) {
        throw QueueFullException.count(drafts.size(), limits.queueCapacity());
      }
      if (queuedBytes + bytes > limits.queueBytes()) {
        throw QueueFullException.bytes(bytes, limits.queueBytes());
      }
      for (int i = 0; i < sizes.length; i++) {
        Pending p = new Pending(drafts.get(i), new CompletableFuture<>(), submitted++, sizes[i]);
        queue.add(p);
        futures.add(p.future);
      }
      queuedBytes += bytes;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    return futures;
  }

  private void requireRunning() throws SequencerStoppedException {
    if (failure != null) {
      throw new SequencerStoppedException(
          "the append pipeline of log '" + logId + "' failed; the server is stopping", failure);
    }
    if (closed) {
      throw new SequencerStoppedException("the server is shutting down", null);
    }
  }

  /**
   * Waits for work and takes the next group: retries first, then the queue, within the
   * group's budgets (always at least one append). Null once closed and drained, or failed.
   */
  List<Pending> takeGroup() {
    lock.lock();
    try {
      while (queue.isEmpty() && retries.isEmpty()) {
        if (failure != null || (closed && inFlight.isEmpty())) {
          return null;
        }
        notEmpty.awaitUninterruptibly();
      }
      lingerWhileInFlight();
      return failure != null ? null : poll();
    } finally {
      lock.unlock();
    }
  }

  private List<Pending> poll() {
    List<Pending> group = new ArrayList<>();
    long bytes = 0;
    while (group.size() < limits.maxGroupSize()) {
      boolean retry = !retries.isEmpty();
      Pending next = retry ? retries.peek() : queue.peek();
      if (next == null || (!group.isEmpty() && bytes + next.bytes > limits.maxGroupBytes())) {
        break;
      }
      group.add(retry ? retries.poll() : queue.poll());
      queuedBytes -= retry ? 0 : next.bytes;
      bytes += next.bytes;
    }
    return group;
  }

  /**
   * Under the lock: waits up to {@link #LINGER_NANOS} for the groups in flight to settle,
   * but not once as many appends wait as are in flight: a group that large gains nothing by
   * waiting, and sealing it now overlaps the commit (large batches).
   */
  private void lingerWhileInFlight() {
    long left = LINGER_NANOS;
    while (!inFlight.isEmpty() && left > 0 && failure == null
        && queue.size() + retries.size() < inFlightAppends) {
      try {
        left = settled.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Appends waiting to be taken into a group (queued, and sent back to be sealed again). */
  int depth() {
    lock.lock();
    try {
      return queue.size() + retries.size();
    } finally {
      lock.unlock();
    }
  }

  /** Bytes of the appends in the queue. */
  long bytes() {
    lock.lock();
    try {
      return queuedBytes;
    } finally {
      lock.unlock();
    }
  }

  /** A sealed group is on its way to a committer. */
  void dispatched(SealedGroup g) {
    lock.lock();
    try {
      inFlight.add(g);
      inFlightAppends += g.pending.size();
    } finally {
      lock.unlock();
    }
  }

  /** Records a group's outcome and queues {@code again} to be sealed again, in one step. */
  void settle(SealedGroup g, boolean committed, List<Pending> again) {
    lock.lock();
    try {
      g.finish(committed);
      retries.addAll(again);
      inFlight.remove(g);
      inFlightAppends -= g.pending.size();
      notEmpty.signal();
      settled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Returns once no group is in flight, or the pipeline failed. */
  void awaitIdle() {
    lock.lock();
    try {
      while (!inFlight.isEmpty() && failure == null) {
        settled.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Takes no more appends; those queued are still taken. */
  void close() {
    lock.lock();
    try {
      closed = true;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Marks the pipeline failed and returns every append waiting anywhere in it, for the
   * caller to fail; empty if it had failed already.
   */
  List<Pending> fail(Throwable cause) {
    lock.lock();
    try {
      if (failure != null) {
        return List.of();
      }
      failure = cause;
      closed = true;
      List<Pending> orphans = new ArrayList<>(queue);
      orphans.addAll(retries);
      inFlight.forEach(g -> orphans.addAll(g.pending));
      queue.clear();
      retries.clear();
      queuedBytes = 0;
      notEmpty.signalAll();
      settled.signalAll();
      return orphans;
    } finally {
      lock.unlock();
    }
  }

  boolean failed() {
    lock.lock();
    try {
      return failure != null;
    } finally {
      lock.unlock();
    }
  }
}
