package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The forwarders' side of the PostgreSQL store (migration V7), on a pool of its own. The
 * cursors move only through the owner's functions ({@code forward_advance}, {@code
 * forward_failed}, {@code forward_replay}); a lease is a session-level advisory lock on a
 * connection the lease keeps, so it ends when that connection does.
 */
final class PostgresForwarding implements ForwardingStore {
  private static final String CURSOR_COLUMNS = "destination, log_id, seq, checkpoint_id, paused,"
      + " last_success_at, last_error, last_error_at";

  private final DataSource dataSource;
  private final String schema;
  private final PostgresLogReads reads;

  PostgresForwarding(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.reads = new PostgresLogReads(dataSource, schema);
  }

  @Override
  public List<Entry> entries(String logId, long afterSeq, int limit) throws StoreException {
    return reads.entries(logId, afterSeq, Long.MAX_VALUE, limit);
  }

  @Override
  public List<StoredCheckpoint> checkpoints(String logId, long afterId, int limit)
      throws StoreException {
    String sql = "SELECT id, " + CheckpointRows.COLUMNS + " FROM " + schema + ".checkpoint"
        + " WHERE log_id = ? AND id > ? ORDER BY id LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setLong(2, afterId);
      ps.setInt(3, limit);
      List<StoredCheckpoint> found = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(new StoredCheckpoint(rs.getLong("id"), CheckpointRows.read(rs, 1)));
        }
      }
      return found;
    } catch (SQLException e) {
      throw SqlErrors.translate("read checkpoints to forward", e);
    }
  }

  @Override
  public LogHead head(String logId) throws StoreException {
    return reads.head(logId);
  }

  @Override
  public Optional<Lease> tryLead(String destination, String logId) throws StoreException {
    Connection c = null;
    try {
      c = dataSource.getConnection();
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock("
          + "hashtextextended('audit.forward:' || ? || ':' || ?, 0))")) {
        ps.setString(1, destination);
        ps.setString(2, logId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            return Optional.of(new ConnectionLease(c));
          }
        }
      }
      c.close();
      return Optional.empty();
    } catch (SQLException e) {
      PostgresAuditStore.closeQuietly(c);
      throw SqlErrors.translate("take the forwarding lease", e);
    }
  }

  /** Holds the advisory lock by holding its session; closing the connection releases it. */
  private static final class ConnectionLease implements Lease {
    private final Connection connection;

    ConnectionLease(Connection connection) {
      this.connection = connection;
    }

    @Override
    public boolean valid() {
      try {
        return connection.isValid(2);
      } catch (SQLException e) {
        return false;
      }
    }

    @Override
    public void close() {
      try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
        ps.execute();
      } catch (SQLException e) {
        // A broken session holds no lock any more.
      } finally {
        PostgresAuditStore.closeQuietly(connection);
      }
    }
  }

  @Override
  public ForwardCursor cursor(String destination, String logId) throws StoreException {
    List<ForwardCursor> found = cursors(" WHERE destination = ? AND log_id = ?",
        destination, logId);
    return found.isEmpty() ? ForwardCursor.start(destination, logId) : found.get(0);
  }

  @Override
  public List<ForwardCursor> cursors() throws StoreException {
    return cursors("");
  }

  private List<ForwardCursor> cursors(String where, String... args) throws StoreException {
    String sql = "SELECT " + CURSOR_COLUMNS + " FROM " + schema + ".forward_cursor" + where
        + " ORDER BY destination, log_id";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      List<ForwardCursor> found = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(new ForwardCursor(rs.getString(1), rs.getString(2), rs.getLong(3),
              rs.getLong(4), rs.getString(5), instant(rs.getTimestamp(6)), rs.getString(7),
              instant(rs.getTimestamp(8))));
        }
      }
      return found;
    } catch (SQLException e) {
      throw SqlErrors.translate("read forwarding cursors", e);
    }
  }

  @Override
  public void advance(String destination, String logId, long seq, long checkpointId)
      throws StoreException {
    call("forward_advance(?, ?, ?, ?)", destination, logId, seq, checkpointId);
  }

  @Override
  public void failed(String destination, String logId, String error, boolean pause)
      throws StoreException {
    call("forward_failed(?, ?, ?, ?)", destination, logId, error, pause);
  }

  @Override
  public void replay(String destination, String logId, long fromSeq) throws StoreException {
    call("forward_replay(?, ?, ?)", destination, logId, fromSeq);
  }

  private void call(String function, Object... args) throws StoreException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + schema + "." + function)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.execute();
    } catch (SQLException e) {
      throw SqlErrors.translate("update a forwarding cursor", e);
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
