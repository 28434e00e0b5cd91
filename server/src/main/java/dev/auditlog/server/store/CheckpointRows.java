package dev.auditlog.server.store;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.Checkpoint;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.HexFormat;

/** Maps between {@link Checkpoint} and rows of the {@code checkpoint} table. */
final class CheckpointRows {
  static final String COLUMNS =
      "log_id, seq, chain_hash, recorded_at, key_id, public_key, signature, tree_size,"
          + " merkle_root, note";
  /** As many parameters as {@link #COLUMNS}. */
  static final String PARAMETERS = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

  private static final HexFormat HEX = HexFormat.of();

  private CheckpointRows() {}

  /** Binds a checkpoint to {@code INSERT ... (COLUMNS) VALUES (PARAMETERS)}. */
  static void bind(PreparedStatement insert, Checkpoint c) throws SQLException {
    insert.setString(1, c.getLogId());
    insert.setLong(2, c.getSeq());
    insert.setBytes(3, HEX.parseHex(c.getChainHash()));
    insert.setObject(4, EntryRows.offsetDateTime(c.getRecordedAt()));
    insert.setString(5, c.getKeyId());
    insert.setBytes(6, c.getPublicKey().toByteArray());
    insert.setBytes(7, c.getSignature().toByteArray());
    boolean tree = !c.getMerkleRoot().isEmpty();
    insert.setObject(8, tree ? c.getTreeSize() : null, Types.BIGINT);
    insert.setBytes(9, tree ? HEX.parseHex(c.getMerkleRoot()) : null);
    insert.setString(10, tree ? c.getNote() : null);
  }

  /** Reads the row at the cursor, selected with {@link #COLUMNS} in that order. */
  static Checkpoint read(ResultSet rs) throws SQLException {
    return read(rs, 0);
  }

  /** Reads the row at the cursor, whose {@link #COLUMNS} follow {@code before} others. */
  static Checkpoint read(ResultSet rs, int before) throws SQLException {
    Checkpoint.Builder c = Checkpoint.newBuilder()
        .setLogId(rs.getString(before + 1))
        .setSeq(rs.getLong(before + 2))
        .setChainHash(HEX.formatHex(rs.getBytes(before + 3)))
        .setRecordedAt(EntryRows.timestamp(rs.getObject(before + 4, OffsetDateTime.class)))
        .setKeyId(rs.getString(before + 5))
        .setPublicKey(ByteString.copyFrom(rs.getBytes(before + 6)))
        .setSignature(ByteString.copyFrom(rs.getBytes(before + 7)));
    byte[] root = rs.getBytes(before + 9);
    if (root != null) {
      c.setTreeSize(rs.getLong(before + 8)).setMerkleRoot(HEX.formatHex(root))
          .setNote(rs.getString(before + 10));
    }
    return c.build();
  }
}
