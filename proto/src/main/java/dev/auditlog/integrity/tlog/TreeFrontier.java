package dev.auditlog.integrity.tlog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A growing Merkle tree kept as its left frontier: the hashes of the perfect subtrees
 * that make up the tree's leaves {@code [0, size)}, one per set bit of {@code size},
 * largest first (see {@link Merkle}). Appending a leaf joins it with the trailing subtrees
 * of equal size, so {@code n} appends cost {@code n - bitCount(n)} node hashes in all, and
 * each append reports the perfect subtrees it completed, which is what a log writes into
 * its hash tiles.
 *
 * <p>To resume a log, start from {@link #of} with {@link Merkle#leftFrontier} of its
 * stored size.
 *
 * <p><b>Mutable and not thread-safe</b>: one writer at a time, or external locking.
 */
public final class TreeFrontier {
  private final List<byte[]> subtrees = new ArrayList<>();
  private long size;

  /** The empty tree. */
  public TreeFrontier() {}

  /**
   * The tree of {@code size} leaves whose left frontier is {@code frontier}, largest
   * subtree first (as {@link Merkle#leftFrontier} returns it).
   *
   * @throws IllegalArgumentException if {@code size} is negative, {@code frontier} does not
   *     have {@code Long.bitCount(size)} hashes, or one is not 32 bytes
   */
  public static TreeFrontier of(long size, List<byte[]> frontier) {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size);
    }
    if (frontier == null || frontier.size() != Long.bitCount(size)) {
      throw new IllegalArgumentException("the frontier of size " + size + " has "
          + Long.bitCount(size) + " hashes (one per set bit), got "
          + (frontier == null ? "null" : frontier.size()));
    }
    TreeFrontier tree = new TreeFrontier();
    for (int i = 0; i < frontier.size(); i++) {
      Merkle.requireHash(frontier.get(i), "frontier[" + i + "]");
      tree.subtrees.add(frontier.get(i).clone());
    }
    tree.size = size;
    return tree;
  }

  /** The number of leaves. */
  public long size() {
    return size;
  }

  /** A copy of the left frontier, largest subtree first. */
  public List<byte[]> frontier() {
    List<byte[]> copy = new ArrayList<>(subtrees.size());
    for (byte[] h : subtrees) {
      copy.add(h.clone());
    }
    return copy;
  }

  /** The root hash at the current size; costs {@code bitCount(size) - 1} node hashes. */
  public byte[] root() {
    return Merkle.foldRight(subtrees);
  }

  /**
   * Appends a leaf and returns the perfect subtrees this completed, lowest first: the leaf
   * itself (level 0, index the old size) and each parent it completed.
   *
   * @throws IllegalArgumentException if {@code leafHash} is not 32 bytes
   * @throws IllegalStateException if the tree already has {@code Long.MAX_VALUE} leaves
   */
  public List<Node> append(byte[] leafHash) {
    requireRoom(leafHash);
    List<Node> completed = new ArrayList<>(2);
    long index = size;
    completed.add(new Node(0, index, leafHash));
    byte[] h = leafHash.clone();
    int level = 0;
    for (long bits = size; (bits & 1) == 1; bits >>>= 1) {
      h = Merkle.nodeHash(subtrees.remove(subtrees.size() - 1), h);
      index >>>= 1;
      completed.add(new Node(++level, index, h));
    }
    push(h);
    return completed;
  }

  /** Appends a leaf without reporting what it completed. */
  void add(byte[] leafHash) {
    requireRoom(leafHash);
    byte[] h = leafHash.clone();
    for (long bits = size; (bits & 1) == 1; bits >>>= 1) {
      h = Merkle.nodeHash(subtrees.remove(subtrees.size() - 1), h);
    }
    push(h);
  }

  private void requireRoom(byte[] leafHash) {
    Merkle.requireHash(leafHash, "leafHash");
    if (size == Long.MAX_VALUE) {
      throw new IllegalStateException("the tree is full at " + size + " leaves");
    }
  }

  private void push(byte[] h) {
    subtrees.add(h);
    size++;
  }

  /**
   * A perfect subtree: the root of leaves {@code [index << level, (index + 1) << level)},
   * the value {@link NodeReader#node} returns for it. Immutable: the hash is copied in and
   * out.
   *
   * @param level the height, 0 for a leaf
   * @param index the position among the subtrees of that level
   * @param hash the 32-byte root hash
   */
  public record Node(int level, long index, byte[] hash) {
    /** @throws IllegalArgumentException if level or index is negative or hash not 32 bytes */
    public Node {
      if (level < 0 || level > 62 || index < 0) {
        throw new IllegalArgumentException(
            "a node needs 0 <= level <= 62 and index >= 0, got level " + level
                + " and index " + index);
      }
      Merkle.requireHash(hash, "hash");
      hash = hash.clone();
    }

    @Override
    public byte[] hash() {
      return hash.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Node n && n.level == level && n.index == index
          && Arrays.equals(n.hash, hash);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * level + Long.hashCode(index)) + Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
      return "Node[level=" + level + ", index=" + index + ", hash="
          + HexFormat.of().formatHex(hash) + "]";
    }
  }
}
