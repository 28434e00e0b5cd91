package dev.auditlog.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The witness cosignatures of {@link PostgresAuditStore}, in {@code witness_cosignature}. */
final class PostgresCosignatures implements CosignatureStore {
  private final DataSource dataSource;
  private final String schema;

  PostgresCosignatures(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  @Override
  public void insert(String logId, List<Cosignature> cosignatures) throws StoreException {
    String sql = "INSERT INTO " + schema + ".witness_cosignature (log_id, tree_size,"
        + " merkle_root, witness, signature_line, cosigned_at) VALUES (?, ?, ?, ?, ?, ?)";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (Cosignature s : cosignatures) {
        ps.setString(1, logId);
        ps.setLong(2, s.treeSize());
        ps.setBytes(3, s.merkleRoot());
        ps.setString(4, s.witness());
        ps.setString(5, s.signatureLine());
        ps.setObject(6, EntryRows.offsetDateTime(s.cosignedAt()));
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw SqlErrors.translate("insert cosignatures", e);
    }
  }

  @Override
  public List<Cosignature> of(String logId, long treeSize, byte[] merkleRoot)
      throws StoreException {
    String sql = "SELECT tree_size, merkle_root, witness, signature_line, cosigned_at FROM "
        + schema + ".witness_cosignature WHERE log_id = ? AND tree_size = ? AND merkle_root = ?"
        + " ORDER BY cosigned_at DESC, id DESC LIMIT 1000";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setLong(2, treeSize);
      ps.setBytes(3, merkleRoot);
      List<Cosignature> found = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(new Cosignature(rs.getLong(1), rs.getBytes(2), rs.getString(3),
              rs.getString(4), rs.getObject(5, OffsetDateTime.class).toInstant()));
        }
      }
      return found;
    } catch (SQLException e) {
      throw SqlErrors.translate("read cosignatures", e);
    }
  }

  @Override
  public Optional<Long> latestSize(String logId, String witness) throws StoreException {
    String sql = "SELECT max(tree_size) FROM " + schema + ".witness_cosignature"
        + " WHERE log_id = ? AND witness = ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setString(2, witness);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long size = rs.getLong(1);
        return rs.wasNull() ? Optional.empty() : Optional.of(size);
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("read cosignatures", e);
    }
  }
}
