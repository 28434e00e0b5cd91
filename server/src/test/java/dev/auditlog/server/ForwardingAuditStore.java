package dev.auditlog.server;

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
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A store that passes every call to another; tests override what they need to change.
 * {@link ForwardingTest} checks that every method of {@link AuditStore} is forwarded.
 */
public abstract class ForwardingAuditStore implements AuditStore {
  protected final AuditStore store;

  protected ForwardingAuditStore(AuditStore store) {
    this.store = store;
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      AppendMode mode) throws StoreException {
    return store.beginAppend(logId, eventIds, mode);
  }

  @Override
  public AppendTransaction lockHead(String logId) throws StoreException {
    return store.lockHead(logId);
  }

  @Override
  public Page list(ListQuery query) throws StoreException {
    return store.list(query);
  }

  @Override
  public List<Entry> entries(String logId, long afterSeq, long toSeq, int limit)
      throws StoreException {
    return store.entries(logId, afterSeq, toSeq, limit);
  }

  @Override
  public Optional<Entry> entryByEventId(String logId, String eventId) throws StoreException {
    return store.entryByEventId(logId, eventId);
  }

  @Override
  public Optional<String> chainHashAt(String logId, long seq) throws StoreException {
    return store.chainHashAt(logId, seq);
  }

  @Override
  public Optional<Long> firstSeqSince(String logId, Instant since) throws StoreException {
    return store.firstSeqSince(logId, since);
  }

  @Override
  public Optional<Long> lastSeqBefore(String logId, Instant until) throws StoreException {
    return store.lastSeqBefore(logId, until);
  }

  @Override
  public LogHead head(String logId) throws StoreException {
    return store.head(logId);
  }

  @Override
  public List<Checkpoint> latestCheckpoints(String logId, Collection<String> keyIds, int limit)
      throws StoreException {
    return store.latestCheckpoints(logId, keyIds, limit);
  }

  @Override
  public List<Checkpoint> checkpointsCovering(String logId, Collection<String> keyIds,
      long seq, int limit) throws StoreException {
    return store.checkpointsCovering(logId, keyIds, seq, limit);
  }

  @Override
  public ForwardingStore forwarding() {
    return store.forwarding();
  }

  @Override
  public TileStore tiles() {
    return store.tiles();
  }

  @Override
  public CosignatureStore cosignatures() {
    return store.cosignatures();
  }

  @Override
  public long archivedUpTo(String logId) throws StoreException {
    return store.archivedUpTo(logId);
  }

  @Override
  public int keepPartitions(String logId) throws StoreException {
    return store.keepPartitions(logId);
  }

  @Override
  public void ping() throws StoreException {
    store.ping();
  }

  @Override
  public void close() {
    store.close();
  }
}
