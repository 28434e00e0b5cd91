package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A store whose appends wait until the test releases them. */
final class HeldStore extends ForwardingAuditStore {
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  HeldStore(AuditStore store) {
    super(store);
  }

  void awaitHeld() throws InterruptedException {
    assertTrue(held.await(10, TimeUnit.SECONDS), "an append reached the store");
  }

  void release() {
    released.countDown();
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      AppendMode mode) throws StoreException {
    held.countDown();
    try {
      released.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return store.beginAppend(logId, eventIds, mode);
  }
}
