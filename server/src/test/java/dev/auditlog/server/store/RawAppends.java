package dev.auditlog.server.store;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Appends made-up entries with the guarded INSERT alone (V3, V5), as any schema version since
 * then accepts them, recorded at a time the test chooses (never before the head's): fills
 * databases of old versions, and logs whose entries are old enough to archive.
 */
public final class RawAppends {
  private RawAppends() {}

  /**
   * Appends {@code n} entries to {@code logId} in groups of at most 1000, recorded at {@code
   * recordedAt} or the head's time if that is later; returns them.
   */
  public static List<Entry> append(DataSource writer, String logId, int n, Instant recordedAt)
      throws SQLException {
    List<Entry> all = new ArrayList<>();
    try (Connection c = writer.getConnection()) {
      c.setAutoCommit(true);
      while (all.size() < n) {
        LogHead head = head(c, logId);
        Instant at = head.recordedAt() != null && head.recordedAt().isAfter(recordedAt)
            ? head.recordedAt() : recordedAt;
        Chain chain = new Chain(head.seq(), head.chainHash(), at);
        List<Entry> group = new ArrayList<>();
        for (int i = Math.min(1000, n - all.size()); i > 0; i--) {
          group.add(chain.seal(draft()));
        }
        try (PreparedStatement ps = c.prepareStatement(GuardedInsert.sql("audit"))) {
          GuardedInsert.bind(ps, c, logId, head, GuardedInsert.columns(group));
          ps.executeQuery().close();
        }
        all.addAll(group);
      }
    }
    return all;
  }

  private static LogHead head(Connection c, String logId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT seq, chain_hash, recorded_at"
        + " FROM audit.entry WHERE log_id = ? ORDER BY seq DESC LIMIT 1")) {
      ps.setString(1, logId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return new LogHead(0, EntryHasher.GENESIS_CHAIN_HASH, null, Instant.now());
        }
        return new LogHead(rs.getLong(1), HexFormat.of().formatHex(rs.getBytes(2)),
            rs.getObject(3, OffsetDateTime.class).toInstant(), Instant.now());
      }
    }
  }

  private static Entry draft() {
    return Entry.newBuilder().setEventId(UUID.randomUUID().toString())
        .setUserId("user-1").setAction("user.register").setSourceIp("10.1.2.3")
        .setOutcome(Outcome.OUTCOME_FAILURE).setProducer("auth-backend").build();
  }
}
