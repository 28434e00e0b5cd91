package dev.auditlog.server.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnsafeByteOperations;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;

/** Maps between {@link Entry} and rows of the {@code entry} table. */
final class EntryRows {
  static final String COLUMNS =
      "seq, recorded_at, event_id, user_id, action, target, source_ip, outcome, occurred_at,"
          + " risk_signals, attributes, producer, entry_hash, chain_hash";

  private static final HexFormat HEX = HexFormat.of();

  private EntryRows() {}

  /** Reads the row at the cursor, selected with {@link #COLUMNS} in that order. */
  static Entry read(ResultSet rs) throws SQLException {
    return read(rs, 0);
  }

  /** Reads {@link #COLUMNS} selected after {@code skip} other columns. */
  static Entry read(ResultSet rs, int skip) throws SQLException {
    int k = skip;
    Entry.Builder b =
        Entry.newBuilder()
            .setSeq(rs.getLong(k + 1))
            .setRecordedAt(timestamp(rs.getObject(k + 2, OffsetDateTime.class)))
            .setEventIdBytes(ascii(rs.getString(k + 3))) // lower-case 8-4-4-4-12, as UUID's
            .setUserIdBytes(utf8(rs, k + 4))
            .setActionBytes(utf8(rs, k + 5))
            .setTargetBytes(utf8(rs, k + 6))
            .setSourceIpBytes(utf8(rs, k + 7))
            .setOutcome(Outcome.valueOf(rs.getString(k + 8)))
            .setProducerBytes(utf8(rs, k + 12))
            .setEntryHashBytes(hex(rs, k + 13))
            .setChainHashBytes(hex(rs, k + 14));
    StringMaps.parse(rs.getString(k + 10), b::putRiskSignals);
    StringMaps.parse(rs.getString(k + 11), b::putAttributes);
    OffsetDateTime occurredAt = rs.getObject(k + 9, OffsetDateTime.class);
    if (occurredAt != null) {
      b.setOccurredAt(timestamp(occurredAt));
    }
    return b.build();
  }

  /**
   * A text column's value as the UTF-8 that PostgreSQL sent (the connection's
   * client_encoding, which pgjdbc requires to be UTF8; a text's binary form is the same
   * bytes), neither decoded into a String here nor encoded again when the entry is
   * serialized: encoding strings was the largest part of the server's CPU for a List page.
   * Not for other types, whose binary form (a server-prepared statement's) is no text.
   */
  private static ByteString utf8(ResultSet rs, int column) throws SQLException {
    return UnsafeByteOperations.unsafeWrap(rs.getBytes(column)); // a new array for each value
  }

  /** An ASCII string's bytes. */
  private static ByteString ascii(String s) {
    return ByteString.copyFrom(s, StandardCharsets.US_ASCII);
  }

  /**
   * A bytea column as lower-case hex (ASCII): its text as PostgreSQL writes it by default
   * ({@code bytea_output = hex}: {@code \x} and the hex digits) without decoding it, or
   * else its bytes.
   */
  private static ByteString hex(ResultSet rs, int column) throws SQLException {
    String text = rs.getString(column);
    return ascii(text.startsWith("\\x") ? text.substring(2) : HEX.formatHex(rs.getBytes(column)));
  }

  /**
   * Reads a log head selected as the database clock, then the newest entry's seq, chain
   * hash and recorded_at (NULLs for an empty log).
   */
  static LogHead head(ResultSet rs) throws SQLException {
    byte[] chain = rs.getBytes(3);
    return new LogHead(
        rs.getLong(2),
        chain == null ? EntryHasher.GENESIS_CHAIN_HASH : HEX.formatHex(chain),
        instant(rs.getObject(4, OffsetDateTime.class)),
        instant(rs.getObject(1, OffsetDateTime.class)));
  }

  /** {@link #COLUMNS}, each qualified with {@code alias}. */
  static String columns(String alias) {
    return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
  }

  /** The bytes of a hex digest. */
  static byte[] bytes(String hex) {
    return HEX.parseHex(hex);
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
