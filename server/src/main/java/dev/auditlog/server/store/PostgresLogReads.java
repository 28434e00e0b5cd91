package dev.auditlog.server.store;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The reads that export and checkpoints need, on PostgreSQL: ranges of entries by seq,
 * single chain hashes, seq bounds of a time window, and stored checkpoints. Each read
 * takes its own connection; all are single statements on an index.
 */
final class PostgresLogReads {
  private final DataSource dataSource;
  private final String schema;

  PostgresLogReads(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  List<Entry> entries(String logId, long afterSeq, long toSeq, int limit) throws StoreException {
    String sql = "SELECT " + EntryRows.COLUMNS + " FROM " + schema + ".entry"
        + " WHERE log_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setLong(2, afterSeq);
      ps.setLong(3, toSeq);
      ps.setInt(4, limit);
      List<Entry> entries = new ArrayList<>(limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          entries.add(EntryRows.read(rs));
        }
      }
      return entries;
    } catch (SQLException e) {
      throw SqlErrors.translate("read entries", e);
    }
  }

  Optional<String> chainHashAt(String logId, long seq) throws StoreException {
    String sql = "SELECT chain_hash FROM " + schema + ".entry WHERE log_id = ? AND seq = ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setLong(2, seq);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(HexFormat.of().formatHex(rs.getBytes(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("read chain hash", e);
    }
  }

  /** The smallest seq recorded at or after {@code since}, or the largest before {@code until}. */
  Optional<Long> seqBound(String logId, Instant since, Instant until) throws StoreException {
    // recorded_at never decreases as seq grows: one step into (log_id, recorded_at, seq).
    String sql = since != null
        ? "SELECT seq FROM " + schema + ".entry WHERE log_id = ? AND recorded_at >= ?"
            + " ORDER BY recorded_at, seq LIMIT 1"
        : "SELECT seq FROM " + schema + ".entry WHERE log_id = ? AND recorded_at < ?"
            + " ORDER BY recorded_at DESC, seq DESC LIMIT 1";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setObject(2, EntryRows.offsetDateTime(since != null ? since : until));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("read seq bound", e);
    }
  }

  Optional<Checkpoint> latestCheckpoint(String logId) throws StoreException {
    return checkpoint("SELECT " + CheckpointRows.COLUMNS + " FROM " + schema + ".checkpoint"
        + " WHERE log_id = ? ORDER BY seq DESC, recorded_at DESC, id DESC LIMIT 1", logId, -1);
  }

  Optional<Checkpoint> checkpointCovering(String logId, long seq) throws StoreException {
    return checkpoint("SELECT " + CheckpointRows.COLUMNS + " FROM " + schema + ".checkpoint"
        + " WHERE log_id = ? AND seq >= ? ORDER BY seq, recorded_at, id LIMIT 1", logId, seq);
  }

  private Optional<Checkpoint> checkpoint(String sql, String logId, long seq)
      throws StoreException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      if (seq >= 0) {
        ps.setLong(2, seq);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(CheckpointRows.read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("read checkpoint", e);
    }
  }
}
