package dev.auditlog.server.store;

import java.util.Collection;

/**
 * Where entries live. Implementations are thread-safe; each method may block on I/O, so
 * none may be called from a network event loop.
 */
public interface AuditStore extends AutoCloseable {

  /**
   * Starts an append to {@code logId}: takes the log's append lock (waiting for other
   * appenders, in this process or another), reads the head, and looks up which of {@code
   * eventIds} are stored already.
   */
  AppendTransaction beginAppend(String logId, Collection<String> eventIds) throws StoreException;

  /** Returns one page of entries of {@code query.logId()} in increasing seq order. */
  Page list(ListQuery query) throws StoreException;

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
