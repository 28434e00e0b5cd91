package dev.auditlog.client;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.ListQuery;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.Page;
import dev.auditlog.server.store.StoreException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store whose first commit succeeds but reports a lost connection, as when the database
 * commits and the acknowledgement never arrives: the server answers UNAVAILABLE although
 * the event is stored.
 */
final class LostCommitAcknowledgement implements AuditStore {
  private final AuditStore store;
  private final AtomicInteger commits = new AtomicInteger();

  LostCommitAcknowledgement(AuditStore store) {
    this.store = store;
  }

  /** How many transactions were committed, including the one reported as failed. */
  int commits() {
    return commits.get();
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds)
      throws StoreException {
    AppendTransaction tx = store.beginAppend(logId, eventIds);
    return new AppendTransaction() {
      @Override
      public LogHead head() {
        return tx.head();
      }

      @Override
      public Map<String, Entry> existing() {
        return tx.existing();
      }

      @Override
      public void insert(List<Entry> entries) throws StoreException {
        tx.insert(entries);
      }

      @Override
      public void insertCheckpoint(Checkpoint checkpoint) throws StoreException {
        tx.insertCheckpoint(checkpoint);
      }

      @Override
      public void commit() throws StoreException {
        tx.commit();
        if (commits.incrementAndGet() == 1) {
          throw new StoreException("connection lost after COMMIT (simulated)", true, null);
        }
      }

      @Override
      public void close() {
        tx.close();
      }
    };
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
  public Optional<Checkpoint> latestCheckpoint(String logId) throws StoreException {
    return store.latestCheckpoint(logId);
  }

  @Override
  public Optional<Checkpoint> checkpointCovering(String logId, long seq) throws StoreException {
    return store.checkpointCovering(logId, seq);
  }

  @Override
  public void close() {
    store.close();
  }
}
