package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.util.List;
import java.util.Map;

/**
 * One append transaction on one log, holding the log's append lock until it ends. Begun by
 * {@link AuditStore#beginAppend}; used by one thread; {@link #close()} rolls back unless
 * {@link #commit()} succeeded.
 */
public interface AppendTransaction extends AutoCloseable {

  /** The log head as it was when the lock was taken. */
  LogHead head();

  /** The entries already stored for the event ids given at the start, by event id. */
  Map<String, Entry> existing();

  /** Inserts complete entries (seq, hashes and all), in order. */
  void insert(List<Entry> entries) throws StoreException;

  /** Stores a signed checkpoint; made under the lock, it matches {@link #head()}. */
  void insertCheckpoint(Checkpoint checkpoint) throws StoreException;

  /** Commits; when this returns, the entries are durable. */
  void commit() throws StoreException;

  @Override
  void close();
}
