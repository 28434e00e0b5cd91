package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The audit store on PostgreSQL, in the schema that the {@code db/migration} scripts create.
 * Connects with the writer role, which may only INSERT and SELECT; serializes appenders of
 * a log with a transaction-scoped advisory lock (see {@code append_guard} and {@code
 * lock_head} in the schema), so several server processes may share one database.
 */
public final class PostgresAuditStore implements AuditStore {
  private static final int PING_TIMEOUT_SECONDS = 2;

  private final DataSource dataSource;
  private final String schema;
  private final AutoCloseable onClose;
  private final Set<String> contended = ConcurrentHashMap.newKeySet();
  private final PostgresLogReads reads;

  /**
   * @param dataSource connections as the writer role
   * @param schema the schema the migrations ran in
   * @param onClose closed by {@link #close()} (the pool, an embedded database), or null
   */
  public PostgresAuditStore(DataSource dataSource, String schema, AutoCloseable onClose) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.onClose = onClose;
    this.reads = new PostgresLogReads(dataSource, schema);
  }

  /**
   * Begins an append that takes the log's lock only for its final INSERT and commit (see
   * {@link GuardedAppend}); after a conflict on a log, the next append to it takes the lock
   * from the start.
   */
  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds)
      throws StoreException {
    return beginAppend(logId, eventIds, contended.remove(logId));
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      boolean locked) throws StoreException {
    return begin(c -> GuardedAppend.begin(c, schema, logId, eventIds, locked,
        () -> contended.add(logId)));
  }

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds,
      LogHead after) throws StoreException {
    return begin(c -> GuardedAppend.after(c, schema, logId, after, () -> contended.add(logId)));
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
  public boolean pipelines() {
    return true;
  }

  @Override
  public Page list(ListQuery q) throws StoreException {
    StringBuilder sql = new StringBuilder("SELECT ").append(EntryRows.COLUMNS);
    sql.append(" FROM ").append(schema).append(".entry WHERE log_id = ? AND seq > ?");
    List<Object> args = new ArrayList<>(List.of(q.logId(), q.afterSeq()));
    // The time window as a seq range: recorded_at never decreases as seq grows (the
    // sequencer sees to it), so [since, until) is [first seq recorded at or after since,
    // first seq recorded at or after until), each one step into (log_id, recorded_at, seq).
    // No recorded_at condition is left, so the scan is an index range over
    // (log_id, action, seq) or the primary key, in seq order, stopping after one page.
    if (q.since() != null) {
      sql.append(" AND seq >= COALESCE((").append(firstSeqAtOrAfter()).append("), ")
          .append(Long.MAX_VALUE).append(")");
      args.addAll(List.of(q.logId(), EntryRows.offsetDateTime(q.since())));
    }
    if (q.until() != null) {
      sql.append(" AND seq < COALESCE((").append(firstSeqAtOrAfter()).append("), ")
          .append(Long.MAX_VALUE).append(")");
      args.addAll(List.of(q.logId(), EntryRows.offsetDateTime(q.until())));
    }
    if (q.action() != null) {
      sql.append(" AND action = ?");
      args.add(q.action());
    }
    sql.append(" ORDER BY seq LIMIT ?");
    args.add(q.limit() + 1);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      return readPage(ps, q.limit());
    } catch (SQLException e) {
      throw SqlErrors.translate("list", e);
    }
  }

  private String firstSeqAtOrAfter() {
    return "SELECT f.seq FROM " + schema + ".entry f WHERE f.log_id = ? AND f.recorded_at >= ?"
        + " ORDER BY f.recorded_at, f.seq LIMIT 1";
  }

  private static Page readPage(PreparedStatement ps, int limit) throws SQLException {
    List<Entry> entries = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        entries.add(EntryRows.read(rs));
      }
    }
    boolean more = entries.size() > limit;
    return new Page(more ? entries.subList(0, limit) : entries, more);
  }

  /** Borrows a writer connection and checks it with a round trip bounded by 2 s. */
  @Override
  public void ping() throws StoreException {
    try (Connection c = dataSource.getConnection()) {
      if (!c.isValid(PING_TIMEOUT_SECONDS)) {
        throw new StoreException("ping: no answer within " + PING_TIMEOUT_SECONDS + " s", true,
            null);
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("ping", e);
    }
  }

  @Override
  public List<Entry> entries(String logId, long afterSeq, long toSeq, int limit)
      throws StoreException {
    return reads.entries(logId, afterSeq, toSeq, limit);
  }

  @Override
  public Optional<String> chainHashAt(String logId, long seq) throws StoreException {
    return reads.chainHashAt(logId, seq);
  }

  @Override
  public Optional<Long> firstSeqSince(String logId, Instant since) throws StoreException {
    return reads.seqBound(logId, since, null);
  }

  @Override
  public Optional<Long> lastSeqBefore(String logId, Instant until) throws StoreException {
    return reads.seqBound(logId, null, until);
  }

  @Override
  public Optional<Checkpoint> latestCheckpoint(String logId) throws StoreException {
    return reads.latestCheckpoint(logId);
  }

  @Override
  public Optional<Checkpoint> checkpointCovering(String logId, long seq) throws StoreException {
    return reads.checkpointCovering(logId, seq);
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
