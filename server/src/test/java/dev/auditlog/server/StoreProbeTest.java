package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreProbeTest {
  private final SwitchableStore store = new SwitchableStore();
  private final List<Boolean> changes = new ArrayList<>();
  private final StoreProbe probe = new StoreProbe(store, changes::add);

  @Test
  void reachableStore_isAvailable_andNoChangeIsReported() {
    probe.probe();
    probe.probe();

    assertTrue(probe.available());
    assertEquals(List.of(), changes);
  }

  @Test
  void failingPing_makesItUnavailableOnce_andASuccessfulOneBringsItBack() {
    store.up = false;
    probe.probe();
    probe.probe();
    assertFalse(probe.available());

    store.up = true;
    probe.probe();

    assertTrue(probe.available());
    assertEquals(List.of(false, true), changes);
  }

  @Test
  void unexpectedExceptionFromPing_countsAsUnavailable() {
    store.explode = true;
    probe.probe();

    assertFalse(probe.available());
    assertEquals(List.of(false), changes);
  }

  /** A store whose ping succeeds or fails as the test says. */
  private static final class SwitchableStore implements AuditStore {
    volatile boolean up = true;
    volatile boolean explode;

    @Override
    public long archivedUpTo(String logId) {
      return 0;
    }

    @Override
    public int keepPartitions(String logId) {
      return 0;
    }

    @Override
    public void ping() throws StoreException {
      if (explode) {
        throw new IllegalStateException("pool closed");
      }
      if (!up) {
        throw new StoreException("ping failed (SQLState 08001), retryable", true, null);
      }
    }

    @Override
    public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
        AppendMode mode) {
      throw new UnsupportedOperationException();
    }

    @Override
    public AppendTransaction lockHead(String logId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Page list(ListQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Entry> entries(String logId, long afterSeq, long toSeq, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<String> chainHashAt(String logId, long seq) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Long> firstSeqSince(String logId, Instant since) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Long> lastSeqBefore(String logId, Instant until) {
      throw new UnsupportedOperationException();
    }

    @Override
    public LogHead head(String logId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Checkpoint> latestCheckpoints(String logId, Collection<String> keyIds,
        int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Checkpoint> checkpointsCovering(String logId, Collection<String> keyIds,
        long seq, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ForwardingStore forwarding() {
      throw new UnsupportedOperationException();
    }

    @Override
    public TileStore tiles() {
      throw new UnsupportedOperationException();
    }

    @Override
    public CosignatureStore cosignatures() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Entry> entryByEventId(String logId, String eventId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
