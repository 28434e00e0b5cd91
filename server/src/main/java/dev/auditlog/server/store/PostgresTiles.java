package dev.auditlog.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

/**
 * The Merkle tiles of {@link PostgresAuditStore} in the {@code merkle_tile} table, whose
 * trigger refuses any tile that does not match the entries or tiles below it (SQLSTATE
 * AU422).
 */
final class PostgresTiles implements TileStore {
  private static final String REFUSED = "AU422";

  private final DataSource dataSource;
  private final String schema;

  PostgresTiles(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  @Override
  public List<Leaf> leaves(String logId, long afterSeq, int limit) throws StoreException {
    String sql = "SELECT seq, entry_hash, chain_hash FROM " + schema + ".entry"
        + " WHERE log_id = ? AND seq > ? ORDER BY seq LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setLong(2, afterSeq);
      ps.setInt(3, limit);
      List<Leaf> hashes = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (rs.getLong(1) != afterSeq + hashes.size() + 1) {
            throw new StoreException("log '" + logId + "' has no entry seq "
                + (afterSeq + hashes.size() + 1) + " but one after it", false, null);
          }
          hashes.add(new Leaf(rs.getBytes(2), rs.getBytes(3)));
        }
      }
      return hashes;
    } catch (SQLException e) {
      throw SqlErrors.translate("read entry hashes", e);
    }
  }

  @Override
  public List<Tile> tiles(String logId, int level, long fromIndex, int count)
      throws StoreException {
    String sql = "SELECT idx, hashes FROM " + schema + ".merkle_tile"
        + " WHERE log_id = ? AND level = ? AND idx >= ? AND idx < ? ORDER BY idx";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, logId);
      ps.setInt(2, level);
      ps.setLong(3, fromIndex);
      ps.setLong(4, fromIndex + count);
      List<Tile> tiles = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next() && rs.getLong(1) == fromIndex + tiles.size()) {
          tiles.add(new Tile(level, rs.getLong(1), rs.getBytes(2)));
        }
      }
      return tiles;
    } catch (SQLException e) {
      throw SqlErrors.translate("read tiles", e);
    }
  }

  @Override
  public void insertTiles(String logId, List<Tile> tiles) throws StoreException {
    if (tiles.isEmpty()) {
      return;
    }
    String insert = "INSERT INTO " + schema + ".merkle_tile (log_id, level, idx, hashes)"
        + " VALUES (?, ?, ?, ?) ON CONFLICT (log_id, level, idx) DO NOTHING";
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(insert)) {
        for (Tile t : tiles) {
          ps.setString(1, logId);
          ps.setInt(2, t.level());
          ps.setLong(3, t.index());
          ps.setBytes(4, t.hashes());
          if (ps.executeUpdate() == 0) {
            requireSame(c, logId, t);
          }
        }
        c.commit();
      } catch (SQLException | StoreException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      if (REFUSED.equals(e.getSQLState())) {
        throw new TileConflictException("log '" + logId + "': the store refused a tile: "
            + e.getMessage(), e);
      }
      throw SqlErrors.translate("insert tiles", e);
    }
  }

  /** The tile stored already at the place of {@code t} must be {@code t}. */
  private void requireSame(Connection c, String logId, Tile t)
      throws SQLException, StoreException {
    try (PreparedStatement ps = c.prepareStatement("SELECT hashes FROM " + schema
        + ".merkle_tile WHERE log_id = ? AND level = ? AND idx = ?")) {
      ps.setString(1, logId);
      ps.setInt(2, t.level());
      ps.setLong(3, t.index());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || !Arrays.equals(rs.getBytes(1), t.hashes())) {
          throw new TileConflictException("log '" + logId + "': the stored tile at level "
              + t.level() + " index " + t.index() + " differs from the one computed from the"
              + " entries", null);
        }
      }
    }
  }
}
