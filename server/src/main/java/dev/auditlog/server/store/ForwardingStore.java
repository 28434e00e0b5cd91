package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.util.List;
import java.util.Optional;

/**
 * What forwarders read and write, on connections of their own so that they never take the
 * appenders': the entries and checkpoints to deliver, the durable cursor of each
 * destination and log, and the lease that makes one server instance the only one that
 * forwards a destination's log. Thread-safe.
 */
public interface ForwardingStore {

  /** At most {@code limit} entries of {@code logId} after {@code afterSeq}, in seq order. */
  List<Entry> entries(String logId, long afterSeq, int limit) throws StoreException;

  /**
   * At most {@code limit} stored checkpoints of {@code logId} with an id above {@code
   * afterId}, in the order they were made (signatures unchecked).
   */
  List<StoredCheckpoint> checkpoints(String logId, long afterId, int limit)
      throws StoreException;

  /** The head of {@code logId} now, for the lag. */
  LogHead head(String logId) throws StoreException;

  /**
   * Takes the lease on forwarding {@code logId} to {@code destination}, if no other holder
   * (another server instance) has it. The lease holds until it is closed or its connection
   * is lost, which {@link Lease#valid()} tells.
   */
  Optional<Lease> tryLead(String destination, String logId) throws StoreException;

  /** The cursor of {@code destination} on {@code logId}; at the start if it has none yet. */
  ForwardCursor cursor(String destination, String logId) throws StoreException;

  /** Every cursor, by destination and log. */
  List<ForwardCursor> cursors() throws StoreException;

  /** Records entries 1..{@code seq} and checkpoints up to {@code checkpointId} delivered. */
  void advance(String destination, String logId, long seq, long checkpointId)
      throws StoreException;

  /** Records a failed delivery; with {@code pause}, the destination stops until resumed. */
  void failed(String destination, String logId, String error, boolean pause)
      throws StoreException;

  /**
   * Delivers {@code logId} to {@code destination} again from {@code fromSeq} (and the
   * checkpoints from the first of seq {@code >= fromSeq}), and resumes it if paused; 0 only
   * resumes.
   */
  void replay(String destination, String logId, long fromSeq) throws StoreException;

  /** The right to forward one log to one destination, held by one server instance. */
  interface Lease extends AutoCloseable {
    /** False once the lease is lost (its connection broke); forwarding must stop. */
    boolean valid();

    @Override
    void close();
  }
}
