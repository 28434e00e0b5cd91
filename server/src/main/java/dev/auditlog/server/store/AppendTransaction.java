package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One append to one log: what a group is sealed against ({@link #head()}, {@link
 * #existing()}), then the sealed entries and the commit. Begun by {@link
 * AuditStore#beginAppend} or {@link AuditStore#lockHead}; used by one thread at a time;
 * {@link #close()} abandons it unless {@link #commit()} succeeded.
 *
 * <p>Unless it holds the log's lock from the start ({@link AppendMode#LOCKED}), {@link
 * #commit()} stores the entries only if the head is still the one they were sealed after,
 * and otherwise throws {@link HeadMovedException} and stores nothing.
 */
public interface AppendTransaction extends AutoCloseable {

  /** The log head the entries are sealed against, with the database clock. */
  LogHead head();

  /**
   * The entries the log holds already for the event ids given at the start, by event id;
   * empty in {@link AppendMode.After} mode.
   */
  Map<String, Entry> existing();

  /**
   * Chains the entries after {@code tail} instead of {@link #head()}: the end of a group of
   * this process still being committed. The commit then stores them only if the log's head
   * is {@code tail} by then.
   */
  void chainAfter(LogHead tail);

  /** Inserts complete entries (seq, hashes and all), in order; may defer to the commit. */
  void insert(List<Entry> entries) throws StoreException;

  /** Stores a signed checkpoint; made under the lock, it matches {@link #head()}. */
  void insertCheckpoint(Checkpoint checkpoint) throws StoreException;

  /**
   * Commits; when this returns, the entries are durable.
   *
   * @throws HeadMovedException if another appender changed the head first, or stored one of
   *     the event ids; nothing is stored
   */
  void commit() throws StoreException;

  /**
   * The database clock read by a successful {@link #commit()} after storing the entries, for
   * the next group's {@code recorded_at}; null if the store did not read it.
   */
  Instant clockAtCommit();

  @Override
  void close();
}
