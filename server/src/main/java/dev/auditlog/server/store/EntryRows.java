package dev.auditlog.server.store;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import java.lang.reflect.Type;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/** Maps between {@link Entry} and rows of the {@code entry} table. */
final class EntryRows {
  static final String COLUMNS =
      "seq, recorded_at, event_id, user_id, action, target, source_ip, outcome, occurred_at,"
          + " risk_signals, attributes, producer, entry_hash, chain_hash";

  private static final Gson GSON = new Gson();
  private static final Type STRING_MAP = new TypeToken<Map<String, String>>() {}.getType();
  private static final HexFormat HEX = HexFormat.of();

  private EntryRows() {}

  /** Binds an entry to {@code INSERT ... (log_id, COLUMNS) VALUES (?, ... 15 ...)}. */
  static void bind(PreparedStatement insert, String logId, Entry e) throws SQLException {
    insert.setString(1, logId);
    insert.setLong(2, e.getSeq());
    insert.setObject(3, offsetDateTime(e.getRecordedAt()));
    insert.setObject(4, UUID.fromString(e.getEventId()));
    insert.setString(5, e.getUserId());
    insert.setString(6, e.getAction());
    insert.setString(7, e.getTarget());
    insert.setString(8, e.getSourceIp());
    insert.setString(9, e.getOutcome().name());
    if (e.hasOccurredAt()) {
      insert.setObject(10, offsetDateTime(e.getOccurredAt()));
    } else {
      insert.setNull(10, Types.TIMESTAMP_WITH_TIMEZONE);
    }
    insert.setString(11, GSON.toJson(e.getRiskSignalsMap()));
    insert.setString(12, GSON.toJson(e.getAttributesMap()));
    insert.setString(13, e.getProducer());
    insert.setBytes(14, HEX.parseHex(e.getEntryHash()));
    insert.setBytes(15, HEX.parseHex(e.getChainHash()));
  }

  /** Reads the row at the cursor, selected with {@link #COLUMNS} in that order. */
  static Entry read(ResultSet rs) throws SQLException {
    Entry.Builder b =
        Entry.newBuilder()
            .setSeq(rs.getLong(1))
            .setRecordedAt(timestamp(rs.getObject(2, OffsetDateTime.class)))
            .setEventId(rs.getObject(3, UUID.class).toString())
            .setUserId(rs.getString(4))
            .setAction(rs.getString(5))
            .setTarget(rs.getString(6))
            .setSourceIp(rs.getString(7))
            .setOutcome(Outcome.valueOf(rs.getString(8)))
            .putAllRiskSignals(GSON.fromJson(rs.getString(10), STRING_MAP))
            .putAllAttributes(GSON.fromJson(rs.getString(11), STRING_MAP))
            .setProducer(rs.getString(12))
            .setEntryHash(HEX.formatHex(rs.getBytes(13)))
            .setChainHash(HEX.formatHex(rs.getBytes(14)));
    OffsetDateTime occurredAt = rs.getObject(9, OffsetDateTime.class);
    if (occurredAt != null) {
      b.setOccurredAt(timestamp(occurredAt));
    }
    return b.build();
  }

  static OffsetDateTime offsetDateTime(Timestamp ts) {
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()).atOffset(ZoneOffset.UTC);
  }

  static OffsetDateTime offsetDateTime(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  static Timestamp timestamp(OffsetDateTime t) {
    Instant i = t.toInstant();
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
