package dev.auditlog.client;

import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store whose appends, once the gate is {@linkplain #shut shut}, wait until it is
 * {@linkplain #open opened} again (at most 30 s), so that a test can keep calls in flight.
 * Open at first.
 */
final class GatedStore extends ForwardingAuditStore {
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private final AtomicInteger waiting = new AtomicInteger();

  GatedStore(AuditStore store) {
    super(store);
  }

  void shut() {
    gate = new CountDownLatch(1);
  }

  void open() {
    gate.countDown();
  }

  /** How many appends wait at the gate now. */
  int waiting() {
    return waiting.get();
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      AppendMode mode) throws StoreException {
    waiting.incrementAndGet();
    try {
      gate.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      waiting.decrementAndGet();
    }
    return store.beginAppend(logId, eventIds, mode);
  }
}
