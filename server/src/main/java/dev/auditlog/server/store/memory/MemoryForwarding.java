package dev.auditlog.server.store.memory;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.ForwardCursor;
import dev.auditlog.server.store.ForwardingStore;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.StoredCheckpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The forwarders' side of a {@link MemoryAuditStore}: cursors and leases in memory. */
final class MemoryForwarding implements ForwardingStore {
  private final MemoryAuditStore store;
  private final Map<String, ForwardCursor> cursors = new TreeMap<>();
  private final Set<String> leased = ConcurrentHashMap.newKeySet();

  MemoryForwarding(MemoryAuditStore store) {
    this.store = store;
  }

  @Override
  public List<Entry> entries(String logId, long afterSeq, int limit) throws StoreException {
    return store.entries(logId, afterSeq, Long.MAX_VALUE, limit);
  }

  @Override
  public List<StoredCheckpoint> checkpoints(String logId, long afterId, int limit)
      throws StoreException {
    return store.log(logId).checkpointsAfter(afterId, limit);
  }

  @Override
  public LogHead head(String logId) throws StoreException {
    return store.head(logId);
  }

  @Override
  public Optional<Lease> tryLead(String destination, String logId) throws StoreException {
    store.ping();
    String key = key(destination, logId);
    if (!leased.add(key)) {
      return Optional.empty();
    }
    return Optional.of(new Lease() {
      private volatile boolean open = true;

      @Override
      public boolean valid() {
        return open;
      }

      @Override
      public void close() {
        if (open) {
          open = false;
          leased.remove(key);
        }
      }
    });
  }

  @Override
  public synchronized ForwardCursor cursor(String destination, String logId)
      throws StoreException {
    store.ping();
    return cursors.getOrDefault(key(destination, logId), ForwardCursor.start(destination, logId));
  }

  @Override
  public synchronized List<ForwardCursor> cursors() throws StoreException {
    store.ping();
    return new ArrayList<>(cursors.values());
  }

  @Override
  public synchronized void advance(String destination, String logId, long seq,
      long checkpointId) throws StoreException {
    ForwardCursor c = cursor(destination, logId);
    put(new ForwardCursor(destination, logId, Math.max(c.seq(), seq),
        Math.max(c.checkpointId(), checkpointId), c.paused(), Instant.now(), c.lastError(),
        c.lastErrorAt()));
  }

  @Override
  public synchronized void failed(String destination, String logId, String error,
      boolean pause) throws StoreException {
    ForwardCursor c = cursor(destination, logId);
    put(new ForwardCursor(destination, logId, c.seq(), c.checkpointId(),
        pause ? error : c.paused(), c.lastSuccess(), error, Instant.now()));
  }

  @Override
  public synchronized void replay(String destination, String logId, long fromSeq)
      throws StoreException {
    ForwardCursor c = cursor(destination, logId);
    long seq = c.seq();
    long checkpointId = c.checkpointId();
    if (fromSeq > 0) {
      seq = fromSeq - 1;
      checkpointId = store.log(logId).checkpointIdBefore(fromSeq);
    }
    put(new ForwardCursor(destination, logId, seq, checkpointId, null, c.lastSuccess(),
        c.lastError(), c.lastErrorAt()));
  }

  private void put(ForwardCursor c) {
    cursors.put(key(c.destination(), c.logId()), c);
  }

  private static String key(String destination, String logId) {
    return destination + "\u0000" + logId;
  }
}
