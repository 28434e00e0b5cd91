package dev.auditlog.client;

import dev.auditlog.server.ForwardingAppendTransaction;
import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store whose first commit succeeds but reports a lost connection, as when the database
 * commits and the acknowledgement never arrives: the server answers UNAVAILABLE although
 * the event is stored.
 */
final class LostCommitAcknowledgement extends ForwardingAuditStore {
  private final AtomicInteger commits = new AtomicInteger();

  LostCommitAcknowledgement(AuditStore store) {
    super(store);
  }

  /** How many transactions were committed, including the one reported as failed. */
  int commits() {
    return commits.get();
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      AppendMode mode) throws StoreException {
    return new ForwardingAppendTransaction(store.beginAppend(logId, eventIds, mode)) {
      @Override
      public void commit() throws StoreException {
        tx.commit();
        if (commits.incrementAndGet() == 1) {
          throw new StoreException("connection lost after COMMIT (simulated)", true, null);
        }
      }
    };
  }
}
