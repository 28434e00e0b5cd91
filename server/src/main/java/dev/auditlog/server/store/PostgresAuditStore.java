package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The audit store on PostgreSQL, in the schema that the {@code db/migration} scripts create.
 * Connects with the writer role, which may only INSERT and SELECT; serializes appenders of
 * a log with a transaction-scoped advisory lock (see {@code lock_head} in the schema), so
 * several server processes may share one database.
 */
public final class PostgresAuditStore implements AuditStore {
  private static final int PING_TIMEOUT_SECONDS = 2;

  private final DataSource dataSource;
  private final String schema;
  private final AutoCloseable onClose;
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

  @Override
  public AppendTransaction beginAppend(String logId, Collection<String> eventIds)
      throws StoreException {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      c.setAutoCommit(false);
      LogHead head = lockHead(c, logId);
      Map<String, Entry> existing = findByEventIds(c, eventIds);
      return new PostgresAppendTransaction(c, logId, head, existing);
    } catch (SQLException e) {
      closeQuietly(c);
      throw SqlErrors.translate("begin append", e);
    }
  }

  private LogHead lockHead(Connection c, String logId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + schema + ".lock_head(?)")) {
      ps.setString(1, logId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        byte[] chain = rs.getBytes(2);
        return new LogHead(
            rs.getLong(1),
            chain == null ? EntryHasher.GENESIS_CHAIN_HASH : HexFormat.of().formatHex(chain),
            EntryRows.instant(rs.getObject(3, OffsetDateTime.class)),
            EntryRows.instant(rs.getObject(4, OffsetDateTime.class)));
      }
    }
  }

  private Map<String, Entry> findByEventIds(Connection c, Collection<String> eventIds)
      throws SQLException {
    Map<String, Entry> found = new HashMap<>();
    if (eventIds.isEmpty()) {
      return found;
    }
    String sql =
        "SELECT " + EntryRows.COLUMNS + " FROM " + schema + ".entry WHERE event_id = ANY (?)";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      Array ids = c.createArrayOf("uuid", eventIds.toArray());
      ps.setArray(1, ids);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Entry e = EntryRows.read(rs);
          found.put(e.getEventId(), e);
        }
      }
    }
    return found;
  }

  @Override
  public Page list(ListQuery q) throws StoreException {
    StringBuilder sql = new StringBuilder("SELECT ").append(EntryRows.COLUMNS);
    sql.append(" FROM ").append(schema).append(".entry WHERE log_id = ? AND seq > ?");
    List<Object> args = new ArrayList<>(List.of(q.logId(), q.afterSeq()));
    if (q.since() != null) {
      sql.append(" AND recorded_at >= ?");
      args.add(EntryRows.offsetDateTime(q.since()));
    }
    if (q.until() != null) {
      sql.append(" AND recorded_at < ?");
      args.add(EntryRows.offsetDateTime(q.until()));
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

  private final class PostgresAppendTransaction implements AppendTransaction {
    private final Connection connection;
    private final String logId;
    private final LogHead head;
    private final Map<String, Entry> existing;
    private boolean committed;

    PostgresAppendTransaction(
        Connection connection, String logId, LogHead head, Map<String, Entry> existing) {
      this.connection = connection;
      this.logId = logId;
      this.head = head;
      this.existing = Map.copyOf(existing);
    }

    @Override
    public LogHead head() {
      return head;
    }

    @Override
    public Map<String, Entry> existing() {
      return existing;
    }

    @Override
    public void insert(List<Entry> entries) throws StoreException {
      if (entries.isEmpty()) {
        return;
      }
      String sql =
          "INSERT INTO " + schema + ".entry (log_id, " + EntryRows.COLUMNS + ")"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)";
      try (PreparedStatement ps = connection.prepareStatement(sql)) {
        for (Entry e : entries) {
          EntryRows.bind(ps, logId, e);
          ps.addBatch();
        }
        ps.executeBatch();
      } catch (SQLException e) {
        throw SqlErrors.translate("insert", e);
      }
    }

    @Override
    public void insertCheckpoint(Checkpoint checkpoint) throws StoreException {
      String sql = "INSERT INTO " + schema + ".checkpoint (" + CheckpointRows.COLUMNS + ")"
          + " VALUES (?, ?, ?, ?, ?, ?, ?)";
      try (PreparedStatement ps = connection.prepareStatement(sql)) {
        CheckpointRows.bind(ps, checkpoint);
        ps.executeUpdate();
      } catch (SQLException e) {
        throw SqlErrors.translate("insert checkpoint", e);
      }
    }

    @Override
    public void commit() throws StoreException {
      try {
        connection.commit();
        committed = true;
      } catch (SQLException e) {
        throw SqlErrors.translate("commit", e);
      }
    }

    @Override
    public void close() {
      try {
        if (!committed && !connection.isClosed()) {
          connection.rollback();
        }
      } catch (SQLException ignored) {
        // Rolling back a broken connection fails; the server ends the transaction anyway.
      } finally {
        closeQuietly(connection);
      }
    }
  }
}
