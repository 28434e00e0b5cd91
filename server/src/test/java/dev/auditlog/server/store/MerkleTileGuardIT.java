package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.tree.LogTree;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Merkle tiles in PostgreSQL (migration V8): whoever holds the writer role's
 * credentials may insert tiles, but the database recomputes each one from the entries or
 * the tiles below it and refuses any other content; nobody changes or removes a stored one.
 */
class MerkleTileGuardIT {
  private static final String LOG = "default";
  private static final String REFUSED = "AU422";
  private static final int ENTRIES = 256 * 256 + 300;

  private static TestDatabase db;
  private static PostgresAuditStore store;
  private static List<byte[]> leafHashes = new ArrayList<>();

  @BeforeAll
  static void fill() throws Exception {
    db = TestDatabase.create();
    store = db.store();
    LogAppends.append(store, LOG, ENTRIES).forEach(
        e -> leafHashes.add(Merkle.leafHash(HexFormat.of().parseHex(e.getEntryHash()))));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void theServersTiles_passTheGuard_atBothLevels() throws Exception {
    LogTree tree = new LogTree(store.tiles(), LOG, Optional::empty);

    assertEquals(ENTRIES, tree.integrate());

    assertEquals(ENTRIES / 256, store.tiles().tiles(LOG, 0, 0, 300).size());
    List<Tile> level1 = store.tiles().tiles(LOG, 1, 0, 2);
    assertEquals(1, level1.size());
    assertArrayEquals(Merkle.root(leafHashes.subList(0, 256 * 256)),
        Merkle.root(hashesOf(level1.get(0))));
  }

  @Test
  void aWrongLeafTile_asWriter_isRefused() throws Exception {
    byte[] hashes = tileOf(leafHashes.subList(256 * 256, 256 * 256 + 256));
    hashes[100] ^= 1;

    SQLException e = assertThrows(SQLException.class, () -> insertAsWriter(0, 256, hashes));

    assertEquals(REFUSED, e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("hashes differ"), e.getMessage());
    assertThrows(TileConflictException.class, () -> store.tiles().insertTiles(LOG,
        List.of(new Tile(0, 256, hashes))));
  }

  @Test
  void aTileBeyondTheEntries_asWriter_isRefused() {
    byte[] hashes = tileOf(leafHashes.subList(0, 256));

    SQLException e = assertThrows(SQLException.class, () -> insertAsWriter(0, 257, hashes));

    assertEquals(REFUSED, e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("not full"), e.getMessage());
  }

  @Test
  void aWrongLevelOneTile_asWriter_isRefused() {
    SQLException e = assertThrows(SQLException.class,
        () -> insertAsWriter(1, 0, tileOf(leafHashes.subList(0, 256))));

    assertTrue(REFUSED.equals(e.getSQLState()) || "23505".equals(e.getSQLState()),
        "refused, or already stored by the other test: " + e.getMessage());
  }

  @Test
  void storedTiles_cannotBeChangedOrRemoved_evenByTheSuperuser() throws Exception {
    new LogTree(store.tiles(), LOG, Optional::empty).integrate();
    try (Connection c = db.superuser(); Statement s = c.createStatement()) {
      for (String sql : List.of(
          "UPDATE audit.merkle_tile SET hashes = hashes WHERE idx = 0",
          "DELETE FROM audit.merkle_tile WHERE idx = 0",
          "TRUNCATE audit.merkle_tile")) {
        SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
        assertTrue(e.getMessage().contains("append-only") || e.getMessage().contains("refused")
            || e.getMessage().contains("not allowed"), sql + ": " + e.getMessage());
      }
    }
    try (Connection c = db.connectAs(TestDatabase.WRITER); Statement s = c.createStatement()) {
      SQLException e = assertThrows(SQLException.class,
          () -> s.execute("DELETE FROM audit.merkle_tile"));
      assertEquals("42501", e.getSQLState(), "the writer role lacks DELETE: " + e.getMessage());
    }
  }

  private static void insertAsWriter(int level, long idx, byte[] hashes) throws SQLException {
    try (Connection c = db.connectAs(TestDatabase.WRITER); PreparedStatement ps =
        c.prepareStatement("INSERT INTO audit.merkle_tile (log_id, level, idx, hashes)"
            + " VALUES (?, ?, ?, ?)")) {
      ps.setString(1, LOG);
      ps.setInt(2, level);
      ps.setLong(3, idx);
      ps.setBytes(4, hashes);
      ps.executeUpdate();
    }
  }

  private static byte[] tileOf(List<byte[]> hashes) {
    byte[] bytes = new byte[Tile.BYTES];
    for (int i = 0; i < hashes.size(); i++) {
      System.arraycopy(hashes.get(i), 0, bytes, i * 32, 32);
    }
    return bytes;
  }

  private static List<byte[]> hashesOf(Tile t) {
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < Tile.WIDTH; i++) {
      hashes.add(t.hash(i));
    }
    return hashes;
  }
}
