package dev.auditlog.server.store.memory;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.store.Leaf;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.Tile;
import dev.auditlog.server.store.TileConflictException;
import dev.auditlog.server.store.TileStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Merkle tiles of a {@link MemoryAuditStore}: like the database's trigger, it refuses a
 * tile that does not match the entries or the tiles below it. Thread-safe.
 */
final class MemoryTiles implements TileStore {
  private final MemoryAuditStore store;
  private final Map<String, Tile> tiles = new HashMap<>();

  MemoryTiles(MemoryAuditStore store) {
    this.store = store;
  }

  @Override
  public List<Leaf> leaves(String logId, long afterSeq, int limit) throws StoreException {
    List<Leaf> leaves = new ArrayList<>();
    for (Entry e : store.log(logId).entries(afterSeq, Long.MAX_VALUE, limit)) {
      leaves.add(new Leaf(HexFormat.of().parseHex(e.getEntryHash()),
          HexFormat.of().parseHex(e.getChainHash())));
    }
    return leaves;
  }

  @Override
  public synchronized List<Tile> tiles(String logId, int level, long fromIndex, int count)
      throws StoreException {
    store.log(logId);
    List<Tile> found = new ArrayList<>();
    for (long i = fromIndex; i < fromIndex + count; i++) {
      Tile t = tiles.get(key(logId, level, i));
      if (t == null) {
        break;
      }
      found.add(t);
    }
    return found;
  }

  @Override
  public synchronized void insertTiles(String logId, List<Tile> given) throws StoreException {
    Map<String, Tile> added = new HashMap<>();
    for (Tile t : given) {
      String key = key(logId, t.level(), t.index());
      Tile stored = tiles.containsKey(key) ? tiles.get(key) : added.get(key);
      if (stored != null) {
        if (!stored.equals(t)) {
          throw new TileConflictException("log '" + logId + "': the stored tile at level "
              + t.level() + " index " + t.index() + " differs from the one computed from the"
              + " entries", null);
        }
        continue;
      }
      if (!Arrays.equals(expected(logId, t.level(), t.index(), added), t.hashes())) {
        throw new TileConflictException("log '" + logId + "': the store refused a tile:"
            + " level " + t.level() + " index " + t.index() + " does not match what is below"
            + " it", null);
      }
      added.put(key, t);
    }
    tiles.putAll(added);
  }

  /** What the tile must hold, from the entries or the tiles below; null if they are not all there. */
  private byte[] expected(String logId, int level, long index, Map<String, Tile> added)
      throws StoreException {
    byte[] hashes = new byte[Tile.BYTES];
    if (level == 0) {
      List<Leaf> leaves = leaves(logId, index * Tile.WIDTH, Tile.WIDTH);
      if (leaves.size() < Tile.WIDTH) {
        return null;
      }
      for (int i = 0; i < Tile.WIDTH; i++) {
        System.arraycopy(Merkle.leafHash(leaves.get(i).entryHash()), 0, hashes,
            i * Tile.HASH_BYTES,
            Tile.HASH_BYTES);
      }
      return hashes;
    }
    for (int i = 0; i < Tile.WIDTH; i++) {
      String key = key(logId, level - 1, index * Tile.WIDTH + i);
      Tile below = tiles.containsKey(key) ? tiles.get(key) : added.get(key);
      if (below == null) {
        return null;
      }
      System.arraycopy(root(below), 0, hashes, i * Tile.HASH_BYTES, Tile.HASH_BYTES);
    }
    return hashes;
  }

  private static byte[] root(Tile t) {
    List<byte[]> level = new ArrayList<>();
    for (int i = 0; i < Tile.WIDTH; i++) {
      level.add(t.hash(i));
    }
    while (level.size() > 1) {
      List<byte[]> up = new ArrayList<>();
      for (int i = 0; i < level.size(); i += 2) {
        up.add(Merkle.nodeHash(level.get(i), level.get(i + 1)));
      }
      level = up;
    }
    return level.get(0);
  }

  private static String key(String logId, int level, long index) {
    return logId + '\0' + level + '\0' + index;
  }
}
