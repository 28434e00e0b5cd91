package dev.auditlog.server.store;

import java.util.Collection;

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
   * Whether this store's transactions support {@link AppendTransaction#chainAfter}, so that
   * a group can be sealed while the one before it is still committing.
   */
  default boolean pipelines() {
    return false;
  }

  /** Returns one page of entries of {@code query.logId()} in increasing seq order. */
  Page list(ListQuery query) throws StoreException;

  @Override
  void close();
}
