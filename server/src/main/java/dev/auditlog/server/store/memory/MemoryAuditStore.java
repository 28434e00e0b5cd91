package dev.auditlog.server.store.memory;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.CosignatureStore;
import dev.auditlog.server.store.ForwardingStore;
import dev.auditlog.server.store.ListQuery;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.Page;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.TileStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The audit store in memory, for tests and development: the same contract as the
 * PostgreSQL store (the same contract tests run against both), nothing durable. Each log
 * has a lock that orders its commits as the advisory lock does in PostgreSQL; a commit
 * refuses a group whose head moved or whose event ids the log holds already ({@link
 * dev.auditlog.server.store.HeadMovedException}), and rows that break the chain, as the
 * database's chain guard does. Thread-safe.
 */
public final class MemoryAuditStore implements AuditStore {
  private final Clock clock;
  private final ConcurrentMap<String, MemoryLog> logs = new ConcurrentHashMap<>();
  private final MemoryForwarding forwarding = new MemoryForwarding(this);
  private final MemoryTiles tiles = new MemoryTiles(this);
  private final MemoryCosignatures cosignatures = new MemoryCosignatures();
  private volatile boolean available = true;

  /** @param clock the "database clock": recorded_at, checkpoints and the future bound */
  public MemoryAuditStore(Clock clock) {
    this.clock = clock;
  }

  /** A store on the system clock. */
  public MemoryAuditStore() {
    this(Clock.systemUTC());
  }

  /** Makes every later call fail as an unreachable database does (retryable), or not. */
  public void setAvailable(boolean available) {
    this.available = available;
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      AppendMode mode) throws StoreException {
    return MemoryTransaction.begin(log(logId), eventIds, mode, this::now);
  }

  @Override
  public AppendTransaction lockHead(String logId) throws StoreException {
    return MemoryTransaction.begin(log(logId), List.of(), AppendMode.LOCKED, this::now);
  }

  @Override
  public Page list(ListQuery query) throws StoreException {
    return log(query.logId()).list(query);
  }

  @Override
  public List<Entry> entries(String logId, long afterSeq, long toSeq, int limit)
      throws StoreException {
    return log(logId).entries(afterSeq, toSeq, limit);
  }

  @Override
  public Optional<Entry> entryByEventId(String logId, String eventId) throws StoreException {
    return Optional.ofNullable(log(logId).existing(List.of(eventId)).get(eventId));
  }

  @Override
  public Optional<String> chainHashAt(String logId, long seq) throws StoreException {
    return log(logId).entry(seq).map(Entry::getChainHash);
  }

  @Override
  public Optional<Long> firstSeqSince(String logId, Instant since) throws StoreException {
    return log(logId).firstSeqSince(since);
  }

  @Override
  public Optional<Long> lastSeqBefore(String logId, Instant until) throws StoreException {
    return log(logId).lastSeqBefore(until);
  }

  @Override
  public LogHead head(String logId) throws StoreException {
    return log(logId).head(now());
  }

  @Override
  public List<Checkpoint> latestCheckpoints(String logId, Collection<String> keyIds, int limit)
      throws StoreException {
    return log(logId).latestCheckpoints(keyIds, limit);
  }

  @Override
  public List<Checkpoint> checkpointsCovering(String logId, Collection<String> keyIds,
      long seq, int limit) throws StoreException {
    return log(logId).checkpointsCovering(keyIds, seq, limit);
  }

  @Override
  public ForwardingStore forwarding() {
    return forwarding;
  }

  @Override
  public TileStore tiles() {
    return tiles;
  }

  @Override
  public CosignatureStore cosignatures() {
    return cosignatures;
  }

  /** Memory archives nothing. */
  @Override
  public long archivedUpTo(String logId) {
    return 0;
  }

  /** Memory holds no parts. */
  @Override
  public int keepPartitions(String logId) {
    return 0;
  }

  @Override
  public void ping() throws StoreException {
    requireAvailable();
  }

  @Override
  public void close() {}

  MemoryLog log(String logId) throws StoreException {
    requireAvailable();
    return logs.computeIfAbsent(logId, MemoryLog::new);
  }

  private void requireAvailable() throws StoreException {
    if (!available) {
      throw new StoreException("memory store made unavailable (test)", true, null);
    }
  }

  /** The clock at microsecond precision, as PostgreSQL keeps it. */
  private Instant now() {
    Instant i = clock.instant();
    return i.minusNanos(i.getNano() % 1000);
  }
}
