package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An append in two round trips: a read of the head, the database clock and the stored
 * event ids, and one guarded, autocommitted INSERT that stores the group only if the head is
 * unchanged ({@code append_guard}, migration V3). Holds no lock between the two, so the
 * database lock is held only while the rows are inserted and committed.
 *
 * <p>In {@code locked} mode (after a conflict) the read happens inside a transaction that
 * first takes the log's lock ({@code lock_head}), so the guard cannot fail and a contended
 * log still makes progress.
 */
final class GuardedAppend implements AppendTransaction {
  private static final String HEAD_MOVED = "AU409";
  private static final String UNIQUE_VIOLATION = "23505";

  private final Connection connection;
  private final String schema;
  private final String logId;
  private final boolean locked;
  private final List<Entry> pending = new ArrayList<>();
  private String[][] columns;
  private LogHead head;
  private Map<String, Entry> existing;
  private boolean finished;
  private Instant clockAtCommit;

  private GuardedAppend(Connection connection, String schema, String logId, boolean locked) {
    this.connection = connection;
    this.schema = schema;
    this.logId = logId;
    this.locked = locked;
  }

  /**
   * Reads what a group is sealed against, on {@code c}, which the append then owns; with
   * {@code locked}, after taking the log's lock in a transaction.
   */
  static GuardedAppend begin(Connection c, String schema, String logId,
      Collection<String> eventIds, boolean locked) throws SQLException {
    GuardedAppend a = new GuardedAppend(c, schema, logId, locked);
    c.setAutoCommit(!locked);
    if (locked) {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT head_seq FROM " + schema + ".lock_head(?)")) {
        ps.setString(1, logId);
        ps.executeQuery().close();
      }
    }
    a.peek(eventIds);
    return a;
  }

  /**
   * An append sealed after {@code head} without reading anything: the guarded INSERT refuses
   * it if the head moved, and the unique index on event_id if an event is stored already
   * (both end in {@link HeadMovedException}, and the group is sealed again after a full read).
   */
  static GuardedAppend after(Connection c, String schema, String logId, LogHead head)
      throws SQLException {
    GuardedAppend a = new GuardedAppend(c, schema, logId, false);
    c.setAutoCommit(true);
    a.head = head;
    a.existing = new HashMap<>();
    return a;
  }

  private void peek(Collection<String> eventIds) throws SQLException {
    String sql = "SELECT clock_timestamp(), h.seq, h.chain_hash, h.recorded_at, "
        + EntryRows.columns("e") + ", x.event_id, x.seq FROM (SELECT 1) AS one"
        + " LEFT JOIN LATERAL (SELECT seq, chain_hash, recorded_at FROM " + schema + ".entry"
        + " WHERE log_id = ? ORDER BY seq DESC LIMIT 1) AS h ON true"
        // Only this log's entries answer a retry (entry_event's key, V13); an archived one
        // has no row in entry any more.
        + " LEFT JOIN " + schema + ".entry_event AS x ON x.log_id = ? AND x.event_id = ANY (?)"
        + " LEFT JOIN " + schema + ".entry AS e ON e.log_id = x.log_id AND e.seq = x.seq";
    existing = new HashMap<>();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setString(2, logId);
      ps.setArray(3, connection.createArrayOf("uuid", eventIds.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (head == null) {
            head = EntryRows.head(rs);
          }
          if (rs.getObject(5) != null) {
            Entry e = EntryRows.read(rs, 4);
            existing.put(e.getEventId(), e);
          } else if (rs.getObject(19) != null) {
            existing.put(rs.getString(19), archived(rs.getString(19), rs.getLong(20)));
          }
        }
      }
    }
  }

  /**
   * An entry whose event id is stored but whose row was archived: never the same event as a
   * retry (it has no content), so the retry is refused as a duplicate naming its seq.
   */
  private static Entry archived(String eventId, long seq) {
    return Entry.newBuilder().setEventId(eventId).setSeq(seq).build();
  }

  @Override
  public LogHead head() {
    return head;
  }

  @Override
  public Map<String, Entry> existing() {
    return Map.copyOf(existing);
  }

  @Override
  public void chainAfter(LogHead tail) {
    head = tail;
  }

  /**
   * Prepares the entries' column values for {@link #commit()}, which stores them: work done
   * here overlaps the commit of the group before.
   */
  @Override
  public void insert(List<Entry> entries) {
    pending.addAll(entries);
    columns = pending.isEmpty() ? null : GuardedInsert.columns(pending);
  }

  /**
   * Stores a checkpoint: at once in autocommit mode (it signs an entry that is committed and
   * can never change), inside the transaction when the lock was taken first.
   */
  @Override
  public void insertCheckpoint(Checkpoint checkpoint) throws StoreException {
    String sql = "INSERT INTO " + schema + ".checkpoint (" + CheckpointRows.COLUMNS + ")"
        + " VALUES (" + CheckpointRows.PARAMETERS + ")";
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
      if (columns != null) {
        try (PreparedStatement ps = connection.prepareStatement(GuardedInsert.sql(schema))) {
          GuardedInsert.bind(ps, connection, logId, head, columns);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            clockAtCommit = EntryRows.instant(rs.getObject(1, OffsetDateTime.class));
          }
        }
      }
      if (locked) {
        connection.commit();
      }
      finished = true;
    } catch (SQLException e) {
      if (HEAD_MOVED.equals(e.getSQLState()) || UNIQUE_VIOLATION.equals(e.getSQLState())) {
        throw new HeadMovedException("append to log " + logId + " lost a race", e);
      }
      throw SqlErrors.translate("commit", e);
    }
  }

  /** The database clock after the INSERT, in autocommit mode (the commit follows it). */
  @Override
  public Instant clockAtCommit() {
    return locked ? null : clockAtCommit;
  }

  @Override
  public void close() {
    try {
      if (locked && !finished && !connection.isClosed()) {
        connection.rollback();
      }
    } catch (SQLException ignored) {
      // Rolling back a broken connection fails; the server ends the transaction anyway.
    } finally {
      PostgresAuditStore.closeQuietly(connection);
    }
  }
}
