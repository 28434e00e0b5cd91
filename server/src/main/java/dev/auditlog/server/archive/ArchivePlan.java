package dev.auditlog.server.archive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an archive of a log up to a seq takes, read as the owner, or why it cannot be: the
 * range continues the last archive and keeps the head, its last entry is older than the
 * retention, it ends a partition and no entry of it lies outside the partitions. PostgreSQL
 * checks the same when the archive is recorded (V14); this says it first, in the command's
 * words, before anything is written.
 *
 * @param fromSeq the first entry to archive: right after the last archive
 * @param upToSeq the last entry to archive
 * @param head the log's head seq
 * @param partitions the partitions that hold the range, in seq order
 */
record ArchivePlan(String logId, long fromSeq, long upToSeq, long head,
    List<String> partitions) {

  /**
   * Plans the archive of {@code logId} up to {@code upToSeq} in {@code schema}.
   *
   * @throws ArchiveRefusedException naming what to change, if it cannot be archived
   */
  static ArchivePlan of(Connection owner, String schema, String logId, long upToSeq,
      Set<String> behindAccepted) throws SQLException, ArchiveRefusedException {
    long archived = first(owner, "SELECT COALESCE(max(up_to_seq), 0) FROM " + schema
        + ".archive WHERE log_id = ?", logId);
    long head = first(owner, "SELECT COALESCE(max(seq), 0) FROM " + schema
        + ".entry WHERE log_id = ?", logId);
    if (upToSeq <= archived) {
      throw new ArchiveRefusedException("--up-to-seq " + upToSeq + ": log '" + logId
          + "' is archived up to seq " + archived + " already");
    }
    if (upToSeq >= head) {
      throw new ArchiveRefusedException("--up-to-seq " + upToSeq + ": log '" + logId
          + "' ends at seq " + head + ", and its head stays in the store");
    }
    requireOutsideRetention(owner, schema, logId, upToSeq);
    requireForwarded(owner, schema, logId, upToSeq, behindAccepted);
    List<String> partitions = partitions(owner, schema, logId, archived, upToSeq);
    return new ArchivePlan(logId, archived + 1, upToSeq, head, partitions);
  }

  private static void requireOutsideRetention(Connection owner, String schema, String logId,
      long upToSeq) throws SQLException, ArchiveRefusedException {
    try (PreparedStatement ps = owner.prepareStatement("SELECT e.recorded_at, r.minimum_days,"
        + " e.recorded_at + make_interval(days => r.minimum_days),"
        + " e.recorded_at < clock_timestamp() - make_interval(days => r.minimum_days)"
        + " FROM " + schema + ".entry e LEFT JOIN LATERAL (SELECT minimum_days FROM " + schema
        + ".retention WHERE log_id = e.log_id ORDER BY id DESC LIMIT 1) r ON true"
        + " WHERE e.log_id = ? AND e.seq = ?")) {
      ps.setString(1, logId);
      ps.setLong(2, upToSeq);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new ArchiveRefusedException("--up-to-seq " + upToSeq + ": log '" + logId
              + "' holds no entry seq " + upToSeq);
        }
        if (rs.getObject(2) == null) {
          throw new ArchiveRefusedException("log '" + logId + "' has no retention recorded:"
              + " start the server once with the owner to record it");
        }
        if (!rs.getBoolean(4)) {
          throw new ArchiveRefusedException("--up-to-seq " + upToSeq + ": entry seq " + upToSeq
              + " of log '" + logId + "' was recorded at " + rs.getObject(1, OffsetDateTime.class)
              + ", inside the retention of " + rs.getInt(2) + " days: it may be archived from "
              + rs.getObject(3, OffsetDateTime.class) + " on");
        }
      }
    }
  }

  /**
   * Refuses while a forwarding destination of the log has not delivered the range: it would
   * never get those entries (paused ones included), unless the operator names it in {@code
   * behindAccepted} (a destination removed for good, whose cursor stays).
   */
  private static void requireForwarded(Connection owner, String schema, String logId,
      long upToSeq, Set<String> behindAccepted) throws SQLException, ArchiveRefusedException {
    List<String> behind = new ArrayList<>();
    try (PreparedStatement ps = owner.prepareStatement("SELECT destination, seq FROM " + schema
        + ".forward_cursor WHERE log_id = ? AND seq < ? ORDER BY destination")) {
      ps.setString(1, logId);
      ps.setLong(2, upToSeq);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (!behindAccepted.contains(rs.getString(1))) {
            behind.add(rs.getString(1) + " (up to seq " + rs.getLong(2) + ")");
          }
        }
      }
    }
    if (!behind.isEmpty()) {
      throw new ArchiveRefusedException("--up-to-seq " + upToSeq + ": forwarding of log '"
          + logId + "' has not delivered the range to " + String.join(", ", behind)
          + "; archive once they caught up, or name a destination that is gone for good with"
          + " --skip-destination");
    }
  }

  /** The partitions of seqs archived + 1 .. upToSeq, which must end exactly at upToSeq. */
  private static List<String> partitions(Connection owner, String schema, String logId,
      long archived, long upToSeq) throws SQLException, ArchiveRefusedException {
    List<String> names = new ArrayList<>();
    List<Long> ends = new ArrayList<>();
    boolean endsThere = false;
    try (PreparedStatement ps = owner.prepareStatement("SELECT 'entry_p' || id, to_seq - 1"
        + " FROM " + schema + ".entry_partition WHERE log_id = ? AND from_seq > ?"
        + " ORDER BY from_seq")) {
      ps.setString(1, logId);
      ps.setLong(2, archived);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long end = rs.getLong(2);
          if (end <= upToSeq) {
            names.add(rs.getString(1));
          }
          endsThere |= end == upToSeq;
          ends.add(end);
        }
      }
    }
    if (!endsThere) {
      throw new ArchiveRefusedException("--up-to-seq " + upToSeq + ": whole partitions are"
          + " archived, and the partitions of log '" + logId + "' after seq " + archived
          + " end at seq " + ends.stream().limit(5).map(String::valueOf).toList());
    }
    long stray = first(owner, "SELECT count(*) FROM " + schema + ".entry_default"
        + " WHERE log_id = ? AND seq BETWEEN " + (archived + 1) + " AND " + upToSeq, logId);
    if (stray > 0) {
      throw new ArchiveRefusedException("--up-to-seq " + upToSeq + ": " + stray + " entries"
          + " of the range lie in " + schema + ".entry_default, outside the partitions, and"
          + " cannot be archived");
    }
    return names;
  }

  private static long first(Connection c, String sql, String logId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Entries in the archive. */
  long entries() {
    return upToSeq - fromSeq + 1;
  }
}
