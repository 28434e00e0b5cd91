package dev.auditlog.server.store.memory;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.HeadMovedException;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An append to a {@link MemoryLog}, as {@code GuardedAppend} is one to PostgreSQL: unless
 * begun {@link AppendMode#LOCKED}, the commit takes the log's lock and stores the entries
 * only if the head is still the one they were sealed after and none of their event ids is
 * stored. Used by one thread at a time.
 */
final class MemoryTransaction implements AppendTransaction {
  private final MemoryLog log;
  private final boolean locked;
  private final Supplier<Instant> clock;
  private final Map<String, Entry> existing;
  private final List<Entry> pending = new ArrayList<>();
  private final List<Checkpoint> checkpoints = new ArrayList<>();
  private LogHead head;
  private Instant clockAtCommit;
  private boolean open = true;

  private MemoryTransaction(MemoryLog log, boolean locked, Supplier<Instant> clock,
      LogHead head, Map<String, Entry> existing) {
    this.log = log;
    this.locked = locked;
    this.clock = clock;
    this.head = head;
    this.existing = existing;
  }

  static MemoryTransaction begin(MemoryLog log, Collection<String> eventIds, AppendMode mode,
      Supplier<Instant> clock) {
    if (mode instanceof AppendMode.After after) {
      return new MemoryTransaction(log, false, clock, after.head(), Map.of());
    }
    boolean locked = mode instanceof AppendMode.Locked;
    if (locked) {
      log.lock();
    }
    return new MemoryTransaction(log, locked, clock, log.head(clock.get()),
        log.existing(eventIds));
  }

  @Override
  public LogHead head() {
    return head;
  }

  @Override
  public Map<String, Entry> existing() {
    return Map.copyOf(existing);
  }

  @Override
  public void chainAfter(LogHead tail) {
    head = tail;
  }

  @Override
  public void insert(List<Entry> entries) {
    pending.addAll(entries);
  }

  /** Stored with the commit when locked, at once otherwise (as in autocommit). */
  @Override
  public void insertCheckpoint(Checkpoint checkpoint) throws StoreException {
    if (locked) {
      checkpoints.add(checkpoint);
    } else {
      log.addCheckpoint(checkpoint);
    }
  }

  @Override
  public void commit() throws StoreException {
    if (!locked) {
      log.lock();
    }
    try {
      if (!pending.isEmpty()) {
        LogHead now = log.head(clock.get());
        if (!locked && (now.seq() != head.seq() || !now.chainHash().equals(head.chainHash()))) {
          throw new HeadMovedException("head of log moved: sealed after seq " + head.seq()
              + ", head is seq " + now.seq(), null);
        }
        if (log.holdsAny(pending)) {
          throw new HeadMovedException("an event id of the group is stored already", null);
        }
        log.append(pending, clock.get());
        clockAtCommit = clock.get();
      }
      for (Checkpoint c : checkpoints) {
        log.addCheckpoint(c);
      }
    } finally {
      if (!locked) {
        log.unlock();
      }
    }
  }

  @Override
  public Instant clockAtCommit() {
    return locked ? null : clockAtCommit;
  }

  @Override
  public void close() {
    if (locked && open) {
      log.unlock();
    }
    open = false;
  }
}
