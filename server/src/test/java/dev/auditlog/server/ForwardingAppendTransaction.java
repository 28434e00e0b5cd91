package dev.auditlog.server;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A transaction that passes every call to another; tests override what they need to
 * change. {@link ForwardingTest} checks that every method is forwarded.
 */
public abstract class ForwardingAppendTransaction implements AppendTransaction {
  protected final AppendTransaction tx;

  protected ForwardingAppendTransaction(AppendTransaction tx) {
    this.tx = tx;
  }

  @Override
  public LogHead head() {
    return tx.head();
  }

  @Override
  public Map<String, Entry> existing() {
    return tx.existing();
  }

  @Override
  public void chainAfter(LogHead tail) {
    tx.chainAfter(tail);
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
  }

  @Override
  public Instant clockAtCommit() {
    return tx.clockAtCommit();
  }

  @Override
  public void close() {
    tx.close();
  }
}
