package dev.auditlog.server.store;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.JsonText;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The one statement that stores a sealed group: {@code INSERT ... SELECT} from {@code
 * append_guard} (which locks the log and checks its head) joined with {@code unnest} of one
 * array per column, answering the database clock after the rows are in. One statement text for every group size, so the server plans it once;
 * run in autocommit, so it is also the transaction and its commit.
 */
final class GuardedInsert {
  private GuardedInsert() {}

  static String sql(String schema) {
    return "WITH ins AS (INSERT INTO " + schema + ".entry (log_id, " + EntryRows.COLUMNS + ")"
        + " SELECT ?::text, r.* FROM " + schema + ".append_guard(?, ?, ?) AS g,"
        + " unnest(?::bigint[], ?::timestamptz[], ?::uuid[], ?::text[], ?::text[], ?::text[],"
        + " ?::text[], ?::text[], ?::timestamptz[], ?::jsonb[], ?::jsonb[], ?::text[],"
        + " ?::bytea[], ?::bytea[]) AS r RETURNING 1)"
        // After every row is in: the database clock for the next group (see
        // AuditStore#beginAppend(String, Collection, LogHead)), and the row count.
        + " SELECT clock_timestamp(), n FROM (SELECT count(*) AS n FROM ins) AS c";
  }

  /** Binds the log, the head the entries were sealed against, and the entries' columns. */
  static void bind(PreparedStatement ps, Connection c, String logId, LogHead head,
      String[][] columns) throws SQLException {
    ps.setString(1, logId);
    ps.setString(2, logId);
    ps.setLong(3, head.seq());
    ps.setBytes(4, head.seq() == 0 ? null : EntryRows.bytes(head.chainHash()));
    for (int k = 0; k < columns.length; k++) {
      ps.setArray(5 + k, c.createArrayOf("text", columns[k]));
    }
  }

  /** The entries' column values as text, one array per column in {@link #sql} order. */
  static String[][] columns(List<Entry> entries) {
    int n = entries.size();
    String[][] cols = new String[14][n];
    Timestamp recordedAt = null;
    String recordedAtText = null;
    for (int i = 0; i < n; i++) {
      Entry e = entries.get(i);
      if (!e.getRecordedAt().equals(recordedAt)) { // a group shares one recorded_at
        recordedAt = e.getRecordedAt();
        recordedAtText = EntryHasher.timestamp(recordedAt);
      }
      cols[0][i] = Long.toString(e.getSeq());
      cols[1][i] = recordedAtText;
      cols[2][i] = e.getEventId();
      cols[3][i] = e.getUserId();
      cols[4][i] = e.getAction();
      cols[5][i] = e.getTarget();
      cols[6][i] = e.getSourceIp();
      cols[7][i] = e.getOutcome().name();
      cols[8][i] = e.hasOccurredAt() ? EntryHasher.timestamp(e.getOccurredAt()) : null;
      cols[9][i] = json(e.getRiskSignalsMap());
      cols[10][i] = json(e.getAttributesMap());
      cols[11][i] = e.getProducer();
      cols[12][i] = "\\x" + e.getEntryHash();
      cols[13][i] = "\\x" + e.getChainHash();
    }
    return cols;
  }

  /** A JSON object of strings, for a jsonb column (which normalizes it anyway). */
  static String json(Map<String, String> members) {
    return JsonText.object(members);
  }
}
