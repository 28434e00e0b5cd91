package dev.auditlog.server.store;

import java.util.Arrays;

/**
 * A full tile of a log's Merkle tree: the 256 hashes of the tree's nodes at height {@code 8 *
 * level} with indexes {@code 256 * index} to {@code 256 * index + 255}, concatenated, as
 * c2sp.org/tlog-tiles lays them out (docs/merkle-tree.md).
 *
 * @param level the tile level: 0 holds leaf hashes
 * @param index the tile's index at its level
 * @param hashes 256 hashes of 32 bytes; not copied, so not to be changed after
 */
public record Tile(int level, long index, byte[] hashes) {
  /** Hashes per tile, and the tile height is 8: 2^8. */
  public static final int WIDTH = 256;
  /** Bytes of one hash. */
  public static final int HASH_BYTES = 32;
  /** Bytes of a full tile. */
  public static final int BYTES = WIDTH * HASH_BYTES;

  /** @throws IllegalArgumentException if level, index or the length of hashes is wrong */
  public Tile {
    if (level < 0 || level > 7) {
      throw new IllegalArgumentException("tile level must be 0..7, got " + level);
    }
    if (index < 0) {
      throw new IllegalArgumentException("tile index must be >= 0, got " + index);
    }
    if (hashes.length != BYTES) {
      throw new IllegalArgumentException("a full tile has " + BYTES + " bytes, got "
          + hashes.length);
    }
  }

  /** The hash at position {@code i} (0..255), copied. */
  public byte[] hash(int i) {
    return Arrays.copyOfRange(hashes, i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tile t && t.level == level && t.index == index
        && Arrays.equals(t.hashes, hashes);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + level;
  }

  @Override
  public String toString() {
    return "Tile[level=" + level + ", index=" + index + "]";
  }
}
