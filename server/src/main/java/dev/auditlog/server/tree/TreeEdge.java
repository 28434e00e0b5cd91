package dev.auditlog.server.tree;

import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.store.Leaf;
import dev.auditlog.server.store.Tile;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of a log's Merkle tree at one size: for each tile level, the hashes of the
 * tile that is not full yet (the partial tiles of c2sp.org/tlog-tiles), and the chain hash
 * of the last entry, so that every entry appended is checked to follow the chain. With the
 * stored full tiles it gives every node of the tree of this size or any smaller one.
 * Immutable; a new edge is made by an {@link Appender}.
 */
final class TreeEdge {
  /** Tile levels of a tree of up to 2^64 leaves. */
  static final int LEVELS = 8;

  /** The chain hash before the first entry. */
  static final byte[] GENESIS = new byte[32];

  static final TreeEdge EMPTY = new TreeEdge(0, new byte[LEVELS][0][], GENESIS);

  private final long size;
  private final byte[][][] partial;
  private final byte[] chainHash;

  private TreeEdge(long size, byte[][][] partial, byte[] chainHash) {
    this.size = size;
    this.partial = partial;
    this.chainHash = chainHash;
  }

  /**
   * The edge of a tree of {@code size} leaves, from the hashes of its partial tiles.
   *
   * @throws IllegalArgumentException if a level has not the {@link #partialWidth} of size
   */
  static TreeEdge of(long size, List<List<byte[]>> partialTiles, byte[] chainHash) {
    byte[][][] partial = new byte[LEVELS][][];
    for (int t = 0; t < LEVELS; t++) {
      List<byte[]> hashes = t < partialTiles.size() ? partialTiles.get(t) : List.of();
      if (hashes.size() != partialWidth(size, t)) {
        throw new IllegalArgumentException("a tree of " + size + " leaves has "
            + partialWidth(size, t) + " hashes in its partial tile at level " + t + ", got "
            + hashes.size());
      }
      partial[t] = hashes.toArray(new byte[0][]);
    }
    return new TreeEdge(size, partial, chainHash);
  }

  long size() {
    return size;
  }

  /** The chain hash of entry {@code size} (the genesis value for none), not copied. */
  byte[] chainHash() {
    return chainHash;
  }

  /** Nodes at height {@code 8 * level} in a tree of {@code size} leaves. */
  static long nodes(long size, int level) {
    return level * 8 >= 64 ? 0 : size >>> (8 * level);
  }

  /** Full tiles at {@code level} in a tree of {@code size} leaves. */
  static long fullTiles(long size, int level) {
    return nodes(size, level) >>> 8;
  }

  /** Hashes in the partial tile at {@code level} of a tree of {@code size} leaves. */
  static int partialWidth(long size, int level) {
    return (int) (nodes(size, level) & (Tile.WIDTH - 1));
  }

  /** Hash {@code i} of the partial tile at {@code level}, not copied. */
  byte[] partial(int level, int i) {
    return partial[level][i];
  }

  int partialWidth(int level) {
    return partial[level].length;
  }

  Appender appender() {
    return new Appender(this);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** The root of the perfect subtree over the consecutive hashes {@code hashes[from..from+n)}. */
  static byte[] fold(byte[][] hashes, int from, int n) {
    if (n == 1) {
      return hashes[from];
    }
    byte[][] level = new byte[n / 2][];
    for (int i = 0; i < level.length; i++) {
      level[i] = Merkle.nodeHash(hashes[from + 2 * i], hashes[from + 2 * i + 1]);
    }
    return fold(level, 0, level.length);
  }

  /**
   * Grows an edge leaf by leaf, collecting the tiles that fill up. Not thread-safe; the
   * edge it started from stays as it was.
   */
  static final class Appender {
    private final MessageDigest sha256 = sha256();
    private long size;
    private byte[] chainHash;
    private final List<List<byte[]>> partial = new ArrayList<>();
    private final List<Tile> full = new ArrayList<>();

    private Appender(TreeEdge edge) {
      size = edge.size;
      chainHash = edge.chainHash;
      for (int t = 0; t < LEVELS; t++) {
        partial.add(new ArrayList<>(List.of(edge.partial[t])));
      }
    }

    /**
     * Appends the next entry, whose chain hash must follow from the last one's.
     *
     * @return false, appending nothing, if the chain hash does not follow
     */
    boolean add(Leaf leaf) {
      sha256.update(chainHash);
      byte[] expected = sha256.digest(leaf.entryHash());
      if (!MessageDigest.isEqual(expected, leaf.chainHash())) {
        return false;
      }
      chainHash = leaf.chainHash();
      size++;
      addAt(0, Merkle.leafHash(leaf.entryHash()));
      return true;
    }

    private void addAt(int level, byte[] hash) {
      List<byte[]> tile = partial.get(level);
      tile.add(hash);
      if (tile.size() < Tile.WIDTH) {
        return;
      }
      byte[][] hashes = tile.toArray(new byte[0][]);
      byte[] bytes = new byte[Tile.BYTES];
      for (int i = 0; i < Tile.WIDTH; i++) {
        System.arraycopy(hashes[i], 0, bytes, i * Tile.HASH_BYTES, Tile.HASH_BYTES);
      }
      full.add(new Tile(level, TreeEdge.fullTiles(size, level) - 1, bytes));
      tile.clear();
      addAt(level + 1, fold(hashes, 0, Tile.WIDTH));
    }

    long size() {
      return size;
    }

    /** The tiles that filled up since this appender started, lowest level first per leaf. */
    List<Tile> fullTiles() {
      return full;
    }

    TreeEdge edge() {
      return of(size, partial, chainHash);
    }
  }
}
