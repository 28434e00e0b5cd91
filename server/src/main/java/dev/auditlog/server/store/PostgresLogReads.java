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
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Every read of {@link PostgresAuditStore}: pages of entries by filter, ranges by seq, single
 * chain hashes, seq bounds of a time window, and stored checkpoints. Each read takes its own
 * connection and is one statement on an index.
 *
 * <p>Time windows become seq ranges: recorded_at never decreases as seq grows (the
 * sequencer and the chain guard see to it), so the first entry recorded at or after a time
 * is one step into the index {@code (log_id, recorded_at, seq)}. Pages of List, with all
 * their filters, are {@link PostgresSearch}'s.
 */
final class PostgresLogReads {
  private final DataSource dataSource;
  private final String schema;
  private final PostgresSearch search;

  PostgresLogReads(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.search = new PostgresSearch(dataSource, schema);
  }

  Page list(ListQuery q) throws StoreException {
    return search.list(q);
  }

  List<Entry> entries(String logId, long afterSeq, long toSeq, int limit) throws StoreException {
    return query("read entries", "SELECT " + EntryRows.COLUMNS + " FROM " + schema + ".entry"
        + " WHERE log_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        List.of(logId, afterSeq, toSeq, limit), EntryRows::read);
  }

  Optional<Entry> entryByEventId(String logId, String eventId) throws StoreException {
    return first(query("read entry", "SELECT " + EntryRows.columns("e") + " FROM " + schema
        + ".entry_event x JOIN " + schema + ".entry e ON e.log_id = x.log_id AND e.seq = x.seq"
        + " WHERE x.log_id = ? AND x.event_id = ?::uuid", List.of(logId, eventId),
        EntryRows::read));
  }

  Optional<String> chainHashAt(String logId, long seq) throws StoreException {
    return first(query("read chain hash", "(SELECT chain_hash FROM " + schema + ".entry"
        + " WHERE log_id = ? AND seq = ?) UNION ALL (SELECT chain_hash FROM " + schema
        + ".archive WHERE log_id = ? AND up_to_seq = ?) LIMIT 1",
        List.of(logId, seq, logId, seq), rs -> HexFormat.of().formatHex(rs.getBytes(1))));
  }

  long archivedUpTo(String logId) throws StoreException {
    return query("read archives", "SELECT COALESCE(max(up_to_seq), 0) FROM " + schema
        + ".archive WHERE log_id = ?", List.of(logId), rs -> rs.getLong(1)).get(0);
  }

  /** The smallest seq recorded at or after {@code since}. */
  Optional<Long> firstSeqSince(String logId, Instant since) throws StoreException {
    return first(query("read seq bound", firstSeqAtOrAfter(),
        List.of(logId, EntryRows.offsetDateTime(since)), rs -> rs.getLong(1)));
  }

  /** The largest seq recorded before {@code until}. */
  Optional<Long> lastSeqBefore(String logId, Instant until) throws StoreException {
    return first(query("read seq bound", "SELECT seq FROM " + schema + ".entry"
        + " WHERE log_id = ? AND recorded_at < ? ORDER BY recorded_at DESC, seq DESC LIMIT 1",
        List.of(logId, EntryRows.offsetDateTime(until)), rs -> rs.getLong(1)));
  }

  /** One step into (log_id, recorded_at, seq); binds the log id and the time. */
  private String firstSeqAtOrAfter() {
    return "SELECT f.seq FROM " + schema + ".entry f WHERE f.log_id = ? AND f.recorded_at >= ?"
        + " ORDER BY f.recorded_at, f.seq LIMIT 1";
  }

  LogHead head(String logId) throws StoreException {
    return query("read head", "SELECT clock_timestamp(), h.seq, h.chain_hash, h.recorded_at"
        + " FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, chain_hash, recorded_at FROM "
        + schema + ".entry WHERE log_id = ? ORDER BY seq DESC LIMIT 1) AS h ON true",
        List.of(logId), EntryRows::head).get(0);
  }

  List<Checkpoint> latestCheckpoints(String logId, Collection<String> keyIds, int limit)
      throws StoreException {
    return checkpoints(logId, keyIds, "", "ORDER BY seq DESC, recorded_at DESC, id DESC",
        List.of(), limit);
  }

  List<Checkpoint> checkpointsCovering(String logId, Collection<String> keyIds, long seq,
      int limit) throws StoreException {
    return checkpoints(logId, keyIds, " AND seq >= ?", "ORDER BY seq, recorded_at, id",
        List.of(seq), limit);
  }

  private List<Checkpoint> checkpoints(String logId, Collection<String> keyIds, String where,
      String order, List<Object> whereArgs, int limit) throws StoreException {
    List<Object> args = new ArrayList<>(List.of(logId));
    String keys = "";
    if (keyIds != null) {
      keys = " AND key_id = ANY (?::text[])";
      args.add(textArray(keyIds));
    }
    args.addAll(whereArgs);
    args.add(limit);
    return query("read checkpoints", "SELECT " + CheckpointRows.COLUMNS + " FROM " + schema
        + ".checkpoint WHERE log_id = ?" + keys + where + " " + order + " LIMIT ?", args,
        CheckpointRows::read);
  }

  /** A text[] literal of key ids, which are lowercase hex: nothing to quote. */
  private static String textArray(Collection<String> keyIds) {
    for (String k : keyIds) {
      if (!k.matches("[0-9a-f]{1,64}")) {
        throw new IllegalArgumentException("key id must be lowercase hex, got '" + k + "'");
      }
    }
    return "{" + String.join(",", keyIds) + "}";
  }

  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> List<T> query(String what, String sql, List<Object> args, RowReader<T> reader)
      throws StoreException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<T> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(reader.read(rs));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw SqlErrors.translate(what, e);
    }
  }

  private static <T> Optional<T> first(List<T> rows) {
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }
}
