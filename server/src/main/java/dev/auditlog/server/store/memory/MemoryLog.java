package dev.auditlog.server.store.memory;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.store.ListQuery;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.Page;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.StoredCheckpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * One log of a {@link MemoryAuditStore}: its entries, checkpoints and lock. The entries are
 * read and written under the monitor; the lock orders appenders as PostgreSQL's advisory
 * lock does, and may be released by another thread than the one that took it.
 */
final class MemoryLog {
  /** How far ahead of the clock a recorded_at may lie, as in the chain guard (V5). */
  private static final Duration FUTURE_SKEW = Duration.ofSeconds(10);

  private final String id;
  private final Semaphore lock = new Semaphore(1);
  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, Entry> byEventId = new HashMap<>();
  private final List<Checkpoint> checkpoints = new ArrayList<>();

  MemoryLog(String id) {
    this.id = id;
  }

  void lock() {
    lock.acquireUninterruptibly();
  }

  void unlock() {
    lock.release();
  }

  synchronized LogHead head(Instant clock) {
    if (entries.isEmpty()) {
      return new LogHead(0, EntryHasher.GENESIS_CHAIN_HASH, null, clock);
    }
    Entry last = entries.get(entries.size() - 1);
    return new LogHead(last.getSeq(), last.getChainHash(), instant(last.getRecordedAt()), clock);
  }

  synchronized Map<String, Entry> existing(Collection<String> eventIds) {
    Map<String, Entry> found = new HashMap<>();
    for (String eventId : eventIds) {
      Entry e = byEventId.get(eventId);
      if (e != null) {
        found.put(eventId, e);
      }
    }
    return found;
  }

  /** Appends rows that follow the head, or refuses them all as the chain guard does. */
  synchronized void append(List<Entry> rows, Instant now) throws StoreException {
    LogHead head = head(now);
    long seq = head.seq();
    String chain = head.chainHash();
    Instant recordedAt = head.recordedAt();
    for (Entry row : rows) {
      Instant at = instant(row.getRecordedAt());
      String problem = row.getSeq() != seq + 1 ? "seq " + row.getSeq() + " does not follow " + seq
          : !row.getChainHash().equals(EntryHasher.chainHash(chain, row.getEntryHash()))
              ? "chain_hash of seq " + row.getSeq() + " is not sha256(previous || entry_hash)"
          : recordedAt != null && at.isBefore(recordedAt)
              ? "recorded_at of seq " + row.getSeq() + " is before the previous entry's"
          : at.isAfter(now.plus(FUTURE_SKEW)) && (recordedAt == null || at.isAfter(recordedAt))
              ? "recorded_at of seq " + row.getSeq() + " lies in the future"
          : row.getOutcome() == Outcome.OUTCOME_UNSPECIFIED
              || row.getOutcome() == Outcome.UNRECOGNIZED ? "unknown outcome"
          : null;
      if (problem != null) {
        throw new StoreException("entry refused: log " + id + ": " + problem, false, null);
      }
      seq = row.getSeq();
      chain = row.getChainHash();
      recordedAt = at;
    }
    for (Entry row : rows) {
      entries.add(row);
      byEventId.put(row.getEventId(), row);
    }
  }

  synchronized boolean holdsAny(Collection<Entry> rows) {
    return rows.stream().anyMatch(e -> byEventId.containsKey(e.getEventId()));
  }

  /** Stores a checkpoint that names a stored entry and its chain hash, as the guard does. */
  synchronized void addCheckpoint(Checkpoint c) throws StoreException {
    boolean names = c.getSeq() == 0
        ? c.getChainHash().equals(EntryHasher.GENESIS_CHAIN_HASH)
        : entry(c.getSeq()).map(e -> e.getChainHash().equals(c.getChainHash())).orElse(false);
    if (!names) {
      throw new StoreException("checkpoint refused: log " + id + " has no entry seq "
          + c.getSeq() + " with that chain hash", false, null);
    }
    checkpoints.add(c);
  }

  synchronized Optional<Entry> entry(long seq) {
    return seq >= 1 && seq <= entries.size() ? Optional.of(entries.get((int) seq - 1))
        : Optional.empty();
  }

  synchronized Page list(ListQuery q) {
    List<Entry> page = new ArrayList<>();
    for (int i = (int) Math.min(q.afterSeq(), entries.size()); i < entries.size(); i++) {
      Entry e = entries.get(i);
      Instant at = instant(e.getRecordedAt());
      if (q.until() != null && !at.isBefore(q.until())) {
        break;
      }
      if ((q.since() == null || !at.isBefore(q.since())) && q.filter().matches(e)) {
        page.add(e);
        if (page.size() > q.limit()) {
          return Page.of(page.subList(0, q.limit()), true);
        }
      }
    }
    return Page.of(page, false);
  }

  synchronized List<Entry> entries(long afterSeq, long toSeq, int limit) {
    int from = (int) Math.min(Math.max(afterSeq, 0), entries.size());
    int to = (int) Math.min(Math.min(toSeq, entries.size()), (long) from + limit);
    return from >= to ? List.of() : List.copyOf(entries.subList(from, to));
  }

  synchronized Optional<Long> firstSeqSince(Instant since) {
    return entries.stream().filter(e -> !instant(e.getRecordedAt()).isBefore(since))
        .map(Entry::getSeq).findFirst();
  }

  synchronized Optional<Long> lastSeqBefore(Instant until) {
    return entries.stream().filter(e -> instant(e.getRecordedAt()).isBefore(until))
        .map(Entry::getSeq).reduce((a, b) -> b);
  }

  /** Highest seq, then newest; the last stored first among equals (PostgreSQL: id). */
  synchronized List<Checkpoint> latestCheckpoints(Collection<String> keyIds, int limit) {
    List<Checkpoint> found = new ArrayList<>();
    for (int i = checkpoints.size() - 1; i >= 0; i--) {
      Checkpoint c = checkpoints.get(i);
      if (keyIds == null || keyIds.contains(c.getKeyId())) {
        found.add(c);
      }
    }
    found.sort(NEWEST.reversed()); // stable: the last stored stays first among equals
    return found.subList(0, Math.min(limit, found.size()));
  }

  /** Lowest seq at or above {@code seq}, then oldest; the first stored first among equals. */
  synchronized List<Checkpoint> checkpointsCovering(Collection<String> keyIds, long seq,
      int limit) {
    List<Checkpoint> found = new ArrayList<>();
    for (Checkpoint c : checkpoints) {
      if (c.getSeq() >= seq && (keyIds == null || keyIds.contains(c.getKeyId()))) {
        found.add(c);
      }
    }
    found.sort(NEWEST);
    return found.subList(0, Math.min(limit, found.size()));
  }

  /** Checkpoints with ids above {@code afterId} in the order they were stored (id = index + 1). */
  synchronized List<StoredCheckpoint> checkpointsAfter(long afterId, int limit) {
    List<StoredCheckpoint> found = new ArrayList<>();
    for (int i = (int) Math.max(0, afterId); i < checkpoints.size() && found.size() < limit; i++) {
      found.add(new StoredCheckpoint(i + 1, checkpoints.get(i)));
    }
    return found;
  }

  /** The id just before the first checkpoint of seq {@code >= fromSeq} (as forward_replay). */
  synchronized long checkpointIdBefore(long fromSeq) {
    for (int i = 0; i < checkpoints.size(); i++) {
      if (checkpoints.get(i).getSeq() >= fromSeq) {
        return i;
      }
    }
    return checkpoints.size();
  }

  private static final Comparator<Checkpoint> NEWEST = Comparator
      .comparingLong(Checkpoint::getSeq)
      .thenComparing(c -> instant(c.getRecordedAt()));

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
