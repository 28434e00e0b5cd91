package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The audit store on PostgreSQL, in the schema that the {@code db/migration} scripts create.
 * Connects with the writer role, which may only INSERT and SELECT; serializes appenders of
 * a log with a transaction-scoped advisory lock (see {@code append_guard} and {@code
 * lock_head} in the schema), so several server processes may share one database. Appends
 * are {@link GuardedAppend}s; reads are {@link PostgresLogReads}.
 */
public final class PostgresAuditStore implements AuditStore {
  private static final int PING_TIMEOUT_SECONDS = 2;

  private final DataSource dataSource;
  private final String schema;
  private final AutoCloseable onClose;
  private final PostgresLogReads reads;
  private final PostgresForwarding forwarding;
  private final PostgresTiles tiles;
  private final PostgresCosignatures cosignatures;

  /**
   * A store whose forwarders share the appenders' connections (tests).
   *
   * @param dataSource connections as the writer role
   * @param schema the schema the migrations ran in
   * @param onClose closed by {@link #close()} (the pool, an embedded database), or null
   */
  public PostgresAuditStore(DataSource dataSource, String schema, AutoCloseable onClose) {
    this(dataSource, dataSource, schema, onClose);
  }

  /**
   * @param dataSource connections as the writer role, for appends and reads
   * @param forwardingDataSource connections as the writer role for the forwarders, which
   *     hold some of them for their leases
   */
  public PostgresAuditStore(DataSource dataSource, DataSource forwardingDataSource,
      String schema, AutoCloseable onClose) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.onClose = onClose;
    this.reads = new PostgresLogReads(dataSource, schema);
    this.forwarding = new PostgresForwarding(forwardingDataSource, schema);
    this.tiles = new PostgresTiles(dataSource, schema);
    this.cosignatures = new PostgresCosignatures(dataSource, schema);
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      AppendMode mode) throws StoreException {
    if (mode instanceof AppendMode.After after) {
      return begin(c -> GuardedAppend.after(c, schema, logId, after.head()));
    }
    boolean locked = mode instanceof AppendMode.Locked;
    return begin(c -> GuardedAppend.begin(c, schema, logId, eventIds, locked));
  }

  @Override
  public AppendTransaction lockHead(String logId) throws StoreException {
    return begin(c -> GuardedAppend.begin(c, schema, logId, List.of(), true));
  }

  /** An append on a pooled connection, which the append owns from then on. */
  private AppendTransaction begin(AppendOn begin) throws StoreException {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      return begin.on(c);
    } catch (SQLException e) {
      closeQuietly(c);
      throw SqlErrors.translate("begin append", e);
    }
  }

  private interface AppendOn {
    GuardedAppend on(Connection c) throws SQLException;
  }

  @Override
  public Page list(ListQuery query) throws StoreException {
    return reads.list(query);
  }

  @Override
  public List<Entry> entries(String logId, long afterSeq, long toSeq, int limit)
      throws StoreException {
    return reads.entries(logId, afterSeq, toSeq, limit);
  }

  @Override
  public Optional<Entry> entryByEventId(String logId, String eventId) throws StoreException {
    return reads.entryByEventId(logId, eventId);
  }

  @Override
  public long archivedUpTo(String logId) throws StoreException {
    return reads.archivedUpTo(logId);
  }

  @Override
  public Optional<String> chainHashAt(String logId, long seq) throws StoreException {
    return reads.chainHashAt(logId, seq);
  }

  @Override
  public Optional<Long> firstSeqSince(String logId, Instant since) throws StoreException {
    return reads.firstSeqSince(logId, since);
  }

  @Override
  public Optional<Long> lastSeqBefore(String logId, Instant until) throws StoreException {
    return reads.lastSeqBefore(logId, until);
  }

  @Override
  public LogHead head(String logId) throws StoreException {
    return reads.head(logId);
  }

  @Override
  public List<Checkpoint> latestCheckpoints(String logId, Collection<String> keyIds, int limit)
      throws StoreException {
    return reads.latestCheckpoints(logId, keyIds, limit);
  }

  @Override
  public List<Checkpoint> checkpointsCovering(String logId, Collection<String> keyIds,
      long seq, int limit) throws StoreException {
    return reads.checkpointsCovering(logId, keyIds, seq, limit);
  }

  @Override
  public ForwardingStore forwarding() {
    return forwarding;
  }

  @Override
  public TileStore tiles() {
    return tiles;
  }

  @Override
  public CosignatureStore cosignatures() {
    return cosignatures;
  }

  /**
   * Borrows a writer connection and asks, within 2 s, whether an append could commit now
   * ({@link CommitProbe}: with synchronous standbys, whether they confirm a commit).
   */
  /** Calls {@code entry_partition_ensure} (V13), which adds partitions as the owner. */
  @Override
  public int keepPartitions(String logId) throws StoreException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT " + schema + ".entry_partition_ensure(?)")) {
      ps.setString(1, logId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("add partitions to log " + logId, e);
    }
  }

  @Override
  public void ping() throws StoreException {
    try (Connection c = dataSource.getConnection()) {
      CommitProbe.run(c, PING_TIMEOUT_SECONDS);
    } catch (SQLException e) {
      throw SqlErrors.translate("ping", e);
    }
  }

  @Override
  public void close() {
    if (onClose != null) {
      try {
        onClose.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the audit store failed", e);
      }
    }
  }

  static void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException ignored) {
      // The connection is broken already; the pool replaces it.
    }
  }
}
