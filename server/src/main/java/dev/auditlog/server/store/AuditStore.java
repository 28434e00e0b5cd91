package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Where entries live. Implementations are thread-safe; each method may block on I/O, so
 * none may be called from a network event loop.
 */
public interface AuditStore extends AutoCloseable {

  /**
   * Starts an append to {@code logId}: reads the head and the database clock, and looks up
   * which of {@code eventIds} are stored already. The log's lock (which orders appenders in
   * this process and in others) is taken here or at the latest by the commit.
   */
  AppendTransaction beginAppend(String logId, Collection<String> eventIds) throws StoreException;

  /**
   * Like {@link #beginAppend(String, Collection)}; with {@code lockFirst} the log's lock is
   * taken before the head is read, so the commit cannot find the head moved (use it after
   * a conflict, and only when no other append of this process is committing).
   */
  default AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      boolean lockFirst) throws StoreException {
    return beginAppend(logId, eventIds);
  }

  /**
   * Like {@link #beginAppend(String, Collection)}, but for a group sealed right after
   * {@code after}, the head once this process's previous group is stored, with a reading of
   * the database clock from its commit: a store may then skip reading the head and the
   * stored event ids, and rely on the commit to refuse the group ({@link HeadMovedException})
   * when the head is not {@code after} by then or one of the event ids is stored already.
   * {@link AppendTransaction#existing()} may then be empty. By default, the full read.
   */
  default AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      LogHead after) throws StoreException {
    return beginAppend(logId, eventIds, false);
  }

  /**
   * Whether this store's transactions support {@link AppendTransaction#chainAfter}, so that
   * a group can be sealed while the one before it is still committing.
   */
  default boolean pipelines() {
    return false;
  }

  /** Returns one page of entries of {@code query.logId()} in increasing seq order. */
  Page list(ListQuery query) throws StoreException;

  /**
   * Returns at most {@code limit} entries of {@code logId} with seq in ({@code afterSeq},
   * {@code toSeq}], in increasing seq order.
   */
  List<Entry> entries(String logId, long afterSeq, long toSeq, int limit) throws StoreException;

  /** The chain hash of entry {@code seq} in hex, empty if there is no such entry. */
  Optional<String> chainHashAt(String logId, long seq) throws StoreException;

  /** The seq of the first entry recorded at or after {@code since}, empty if none. */
  Optional<Long> firstSeqSince(String logId, Instant since) throws StoreException;

  /** The seq of the last entry recorded before {@code until}, empty if none. */
  Optional<Long> lastSeqBefore(String logId, Instant until) throws StoreException;

  /** The stored checkpoint with the highest seq (the newest among equals), if any. */
  Optional<Checkpoint> latestCheckpoint(String logId) throws StoreException;

  /** The stored checkpoint with the lowest seq at or above {@code seq}, the oldest of equals. */
  Optional<Checkpoint> checkpointCovering(String logId, long seq) throws StoreException;

  /**
   * Checks, within a few seconds, that the store answers; used by the health probe. The
   * default does nothing: a store without a cheap check is taken as reachable.
   *
   * @throws StoreException if the store cannot be reached now
   */
  default void ping() throws StoreException {}

  @Override
  void close();
}
