package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A group of appends sealed into the chain and handed from the sealing thread to a
 * committing thread of a {@link Sequencer}. It may be chained after the group before it
 * ({@link #basedOn}) while that one still commits; it is then only committed if that one
 * was. The final fields are written before the hand-off and only read after it.
 */
final class SealedGroup {
  final List<Pending> pending;
  final AppendTransaction transaction;
  /** Per pending append, in the same order: what it is answered with once committed. */
  final List<AppendOutcome> outcomes;
  /** The entries this group inserts, in seq order. */
  final List<Entry> inserted;
  /** The log's head once this group is committed. */
  final LogHead tail;
  /**
   * The group this one is chained after while it was still committing, or null; cleared
   * when this one finishes, so that finished groups do not keep each other alive.
   */
  private volatile SealedGroup basedOn;
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean committed;

  SealedGroup(List<Pending> pending, AppendTransaction transaction,
      List<AppendOutcome> outcomes, List<Entry> inserted, LogHead tail, SealedGroup basedOn) {
    this.pending = pending;
    this.transaction = transaction;
    this.outcomes = outcomes;
    this.inserted = inserted;
    this.tail = tail;
    this.basedOn = basedOn;
  }

  /** True if this group was chained after a group that was not stored. */
  boolean predecessorFailed() {
    SealedGroup b = basedOn;
    return b != null && b.failed();
  }

  /** Waits until the group this one is chained after finished, if any. */
  void awaitPredecessor() {
    SealedGroup b = basedOn;
    if (b != null) {
      b.awaitFinished();
    }
  }

  /** Records the outcome of the commit (or of giving up on it). */
  void finish(boolean committed) {
    this.committed = committed;
    basedOn = null;
    finished.countDown();
  }

  boolean finished() {
    return finished.getCount() == 0;
  }

  /** True once it is known that this group was not stored. */
  boolean failed() {
    return finished() && !committed;
  }

  void awaitFinished() {
    boolean interrupted = false;
    while (true) {
      try {
        finished.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
