package dev.auditlog.server.store;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.Checkpoint;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.HexFormat;

/** Maps between {@link Checkpoint} and rows of the {@code checkpoint} table. */
final class CheckpointRows {
  static final String COLUMNS =
      "log_id, seq, chain_hash, recorded_at, key_id, public_key, signature";

  private static final HexFormat HEX = HexFormat.of();

  private CheckpointRows() {}

  /** Binds a checkpoint to {@code INSERT ... (COLUMNS) VALUES (?, ... 7 ...)}. */
  static void bind(PreparedStatement insert, Checkpoint c) throws SQLException {
    insert.setString(1, c.getLogId());
    insert.setLong(2, c.getSeq());
    insert.setBytes(3, HEX.parseHex(c.getChainHash()));
    insert.setObject(4, EntryRows.offsetDateTime(c.getRecordedAt()));
    insert.setString(5, c.getKeyId());
    insert.setBytes(6, c.getPublicKey().toByteArray());
    insert.setBytes(7, c.getSignature().toByteArray());
  }

  /** Reads the row at the cursor, selected with {@link #COLUMNS} in that order. */
  static Checkpoint read(ResultSet rs) throws SQLException {
    return Checkpoint.newBuilder()
        .setLogId(rs.getString(1))
        .setSeq(rs.getLong(2))
        .setChainHash(HEX.formatHex(rs.getBytes(3)))
        .setRecordedAt(EntryRows.timestamp(rs.getObject(4, OffsetDateTime.class)))
        .setKeyId(rs.getString(5))
        .setPublicKey(ByteString.copyFrom(rs.getBytes(6)))
        .setSignature(ByteString.copyFrom(rs.getBytes(7)))
        .build();
  }
}
