package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * How the groups of one log are sealed into the chain, and sealed again after a conflict:
 * the policy half of a {@link Sequencer}, whose sealing thread calls {@link #seal} and whose
 * committing threads report each commit's outcome.
 *
 * <p>Each group is begun in the first mode of this table whose situation holds:
 *
 * <pre>
 * situation                                         mode    sealed after
 * ------------------------------------------------  ------  ---------------------------------
 * the last group lost a race, or was chained after  LOCKED  the head read under the lock,
 *   one that failed (lockNext)                               once every group in flight settled
 * another appender moved the head < 1 s ago          READ    the head read, or the tail of the
 *                                                            group still committing if that
 *                                                            reaches further
 * no group yet, or the previous one failed          READ    as above
 * no commit read the database clock in the last     READ    as above
 *   20 ms (the log was idle)
 * otherwise (this process appends, and is busy)     AFTER   the previous group's tail, at the
 *                                                            clock its commit read
 * </pre>
 *
 * <p>and each commit's outcome decides what follows:
 *
 * <pre>
 * outcome                                    then
 * -----------------------------------------  ------------------------------------------------
 * committed                                  its clock reading serves the next groups (AFTER)
 * head moved, or an event id stored already  lockNext; READ for 1 s; its appends sealed again
 *   (HeadMovedException)
 * chained after a group that failed          lockNext; its appends sealed again
 * any other store failure                    its appends fail with it
 * </pre>
 *
 * <p>An append sealed again {@value #MAX_ATTEMPTS} times fails with {@link
 * HeadMovedException} (retryable). Sealing runs on one thread; the outcome methods may be
 * called from any thread: {@code lockNext} is taken and cleared in one atomic step.
 */
final class GroupSealer {
  static final int MAX_ATTEMPTS = 10;
  /** How long after another appender moved the head every group reads before sealing. */
  private static final long CONTENDED_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final AuditStore store;
  private final String logId;
  private final Runnable awaitIdle;
  private final CommitClock commitClock;
  private final LongSupplier nanoTime;
  private final AtomicBoolean lockNext = new AtomicBoolean();
  /** nanoTime() until which groups read before sealing (the log is contended). */
  private volatile long contendedUntil;
  /** The group sealed last; only the sealing thread uses it. */
  private SealedGroup lastSealed;

  /**
   * @param awaitIdle returns once no group of this sequencer is committing
   * @param clockMaxAge how old a commit's clock reading may be for the next group
   */
  GroupSealer(AuditStore store, String logId, Runnable awaitIdle, Duration clockMaxAge,
      LongSupplier nanoTime) {
    this.store = store;
    this.logId = logId;
    this.awaitIdle = awaitIdle;
    this.commitClock = new CommitClock(clockMaxAge, nanoTime);
    this.nanoTime = nanoTime;
    this.contendedUntil = nanoTime.getAsLong();
  }

  /**
   * Begins the group's append and seals it into the chain, as the table says. Returns with
   * the transaction open and the entries inserted (or prepared for the commit).
   */
  SealedGroup seal(List<Pending> group) throws StoreException {
    SealedGroup prev = lastSealed;
    AppendMode mode = mode(prev); // may wait for the groups in flight to settle
    // Read once, after that wait: a group that has finished stays finished.
    boolean prevInFlight = prev != null && !prev.finished();
    boolean prevStored = prev != null && !prevInFlight && !prev.failed();
    AppendTransaction tx = store.beginAppend(logId, eventIds(group), mode);
    try {
      boolean after = mode instanceof AppendMode.After;
      Map<String, Entry> known = new HashMap<>(tx.existing());
      LogHead base = tx.head();
      boolean chained = after ? prevInFlight
          : (prevInFlight || prevStored) && prev.tail.seq() > base.seq();
      if (chained || (after && prevStored)) {
        prev.inserted.forEach(e -> known.putIfAbsent(e.getEventId(), e));
      }
      if (chained) {
        base = new LogHead(prev.tail.seq(), prev.tail.chainHash(), prev.tail.recordedAt(),
            base.clock());
        tx.chainAfter(base);
      }
      SealedGroup sealed = seal(group, tx, known, base, chained ? prev : null);
      lastSealed = sealed;
      return sealed;
    } catch (StoreException | RuntimeException | Error e) {
      tx.close();
      throw e;
    }
  }

  private AppendMode mode(SealedGroup prev) {
    if (lockNext.getAndSet(false)) {
      awaitIdle.run(); // a lock taken now must not wait for our own commit in flight
      return AppendMode.LOCKED;
    }
    if (prev == null || prev.failed() || nanoTime.getAsLong() - contendedUntil < 0) {
      return AppendMode.READ;
    }
    Instant clock = commitClock.recent();
    return clock == null ? AppendMode.READ : AppendMode.after(
        new LogHead(prev.tail.seq(), prev.tail.chainHash(), prev.tail.recordedAt(), clock));
  }

  private static SealedGroup seal(List<Pending> group, AppendTransaction tx,
      Map<String, Entry> known, LogHead base, SealedGroup basedOn) throws StoreException {
    Chain chain = new Chain(base.seq(), base.chainHash(), base.nextRecordedAt());
    List<Entry> inserted = new ArrayList<>(group.size());
    List<AppendOutcome> outcomes = new ArrayList<>(group.size());
    for (Pending p : group) {
      outcomes.add(resolve(p.draft, known, chain, inserted));
    }
    tx.insert(inserted);
    return new SealedGroup(group, tx, outcomes, inserted, chain.tail(base.clock()), basedOn);
  }

  /** Seals a new draft into the chain, or answers a retry from the entry already known. */
  private static AppendOutcome resolve(
      Entry draft, Map<String, Entry> known, Chain chain, List<Entry> inserted) {
    Entry prior = known.get(draft.getEventId());
    if (prior != null) {
      return sameEvent(prior, draft) ? new AppendOutcome.Stored(prior)
          : new AppendOutcome.Duplicate(new DuplicateEventException(prior));
    }
    Entry sealed = chain.seal(draft);
    known.put(sealed.getEventId(), sealed);
    inserted.add(sealed);
    return new AppendOutcome.Stored(sealed);
  }

  static boolean sameEvent(Entry stored, Entry draft) {
    Entry content =
        stored.toBuilder().clearSeq().clearRecordedAt().clearEntryHash().clearChainHash().build();
    return content.equals(draft);
  }

  private static Set<String> eventIds(List<Pending> group) {
    Set<String> ids = new LinkedHashSet<>();
    group.forEach(p -> ids.add(p.draft.getEventId()));
    return ids;
  }

  /** A group was committed; {@code clock} is the database clock its commit read, or null. */
  void committed(Instant clock) {
    commitClock.note(clock);
  }

  /** A group lost a race: another appender moved the head or stored one of its event ids. */
  void headMoved() {
    lockNext.set(true);
    contendedUntil = nanoTime.getAsLong() + CONTENDED_NANOS;
  }

  /** A group was chained after one that was not stored, and is sealed again. */
  void predecessorFailed() {
    lockNext.set(true); // under the lock it cannot lose the same race twice
  }

  /** Counts another sealing of {@code p}; false once it has been sealed too often. */
  boolean mayRetry(Pending p) {
    return ++p.attempts < MAX_ATTEMPTS;
  }
}
