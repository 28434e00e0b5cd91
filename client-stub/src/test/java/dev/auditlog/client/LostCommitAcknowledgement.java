package dev.auditlog.client;

import dev.auditlog.server.ForwardingAppendTransaction;
import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store whose next commit, once {@linkplain #loseTheNextAcknowledgement armed}, succeeds but
 * reports a lost connection, as when the database commits and the acknowledgement never
 * arrives: the server answers UNAVAILABLE although the event is stored. Unarmed, it only
 * counts commits.
 */
final class LostCommitAcknowledgement extends ForwardingAuditStore {
  private final AtomicInteger commits = new AtomicInteger();
  private final AtomicBoolean losing = new AtomicBoolean();

  LostCommitAcknowledgement(AuditStore store) {
    super(store);
  }

  /** The next commit succeeds but reports a lost connection. */
  void loseTheNextAcknowledgement() {
    losing.set(true);
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
        commits.incrementAndGet();
        if (losing.getAndSet(false)) {
          throw new StoreException("connection lost after COMMIT (simulated)", true, null);
        }
      }
    };
  }
}
