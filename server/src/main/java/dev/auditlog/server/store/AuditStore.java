package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Where the entries and checkpoints of logs live. Appends go through {@link
 * AppendTransaction}s; reads are single calls. Implementations are thread-safe; each method
 * may block on I/O, so none may be called from a network event loop.
 */
public interface AuditStore extends AutoCloseable {

  /**
   * Starts an append of a group to {@code logId}: reads, as {@code mode} says, the head, the
   * database clock and which of {@code eventIds} the log holds already. The log's lock
   * (which orders appenders in this process and in others) is taken here or at the latest
   * by the commit.
   */
  AppendTransaction beginAppend(String logId, Collection<String> eventIds, AppendMode mode)
      throws StoreException;

  /**
   * Takes the log's lock and reads its head, for a checkpoint of it: no append commits
   * until the returned transaction is committed or closed.
   */
  AppendTransaction lockHead(String logId) throws StoreException;

  /** Returns one page of entries of {@code query.logId()} in increasing seq order. */
  Page list(ListQuery query) throws StoreException;

  /**
   * Returns at most {@code limit} entries of {@code logId} with seq in ({@code afterSeq},
   * {@code toSeq}], in increasing seq order.
   */
  List<Entry> entries(String logId, long afterSeq, long toSeq, int limit) throws StoreException;

  /** The entry appended with {@code eventId}, empty if the log holds none. */
  Optional<Entry> entryByEventId(String logId, String eventId) throws StoreException;

  /**
   * The chain hash of entry {@code seq} in hex, empty if there is no such entry; for the last
   * archived entry, the one its archive recorded.
   */
  Optional<String> chainHashAt(String logId, long seq) throws StoreException;

  /**
   * The last seq of {@code logId} archived out of the store (audit-server archive), 0 if
   * none: entries up to it are in archive files, no longer here; {@link #chainHashAt} still
   * knows its chain hash.
   */
  long archivedUpTo(String logId) throws StoreException;

  /** The seq of the first entry recorded at or after {@code since}, empty if none. */
  Optional<Long> firstSeqSince(String logId, Instant since) throws StoreException;

  /** The seq of the last entry recorded before {@code until}, empty if none. */
  Optional<Long> lastSeqBefore(String logId, Instant until) throws StoreException;

  /**
   * The log's head now, with the database clock, read without the lock: by the time the
   * caller looks, appends may have moved it.
   */
  LogHead head(String logId) throws StoreException;

  /**
   * Stored checkpoints of {@code logId} that name one of {@code keyIds} (any key when null),
   * newest first: highest seq, then latest recorded_at; at most {@code limit}. A store does
   * not check signatures: whoever may insert rows may insert checkpoints, so the caller
   * believes only those whose signature it verifies itself.
   */
  List<Checkpoint> latestCheckpoints(String logId, Collection<String> keyIds, int limit)
      throws StoreException;

  /**
   * Like {@link #latestCheckpoints}, but those with seq at or above {@code seq}, lowest seq
   * first, then oldest.
   */
  List<Checkpoint> checkpointsCovering(String logId, Collection<String> keyIds, long seq,
      int limit) throws StoreException;

  /** What forwarders to SIEMs read and write (their own connections where the store has them). */
  ForwardingStore forwarding();

  /** The logs' Merkle trees: leaves and full tiles. */
  TileStore tiles();

  /** The witness cosignatures of the logs' checkpoints. */
  CosignatureStore cosignatures();

  /**
   * Makes room ahead of {@code logId}'s head where the store keeps its entries in parts (the
   * partitions of PostgreSQL's entry table); returns how many parts it added, 0 when there was
   * room or the store has no parts.
   *
   * @throws StoreException if the store cannot add them now (the caller tries again later)
   */
  int keepPartitions(String logId) throws StoreException;

  /**
   * Checks, within a few seconds, that the store answers and could commit an append now;
   * used by the health probe.
   *
   * @throws StoreException if the store cannot be reached now, or does not commit
   */
  void ping() throws StoreException;

  @Override
  void close();
}
