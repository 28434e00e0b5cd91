package dev.auditlog.integrity.tlog;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree of RFC 6962 and RFC 9162 section 2.1, as a transparency log uses it.
 *
 * <p>A tree of {@code n} leaves hashes each leaf as {@code SHA-256(0x00 || input)} and each
 * interior node as {@code SHA-256(0x01 || left || right)}; the root of {@code n > 1} leaves
 * joins the root of the first {@code k} leaves with the root of the rest, {@code k} the
 * largest power of two below {@code n}. The tree of {@code n} leaves is thus the perfect
 * subtrees given by the set bits of {@code n}, largest first, folded from the right; a
 * log stores those perfect subtrees (see {@link NodeReader}) and never the imperfect right
 * edge, which proofs here compute from them.
 *
 * <p>An inclusion proof shows that a leaf hash is at an index in the tree of a given size;
 * a consistency proof shows that the tree of an older size is a prefix of the tree of a
 * newer size. Both are lists of 32-byte hashes in RFC 9162 order, from the leaf (or the
 * old tree) up to the root: the order Go's {@code golang.org/x/mod/sumdb/tlog} and
 * transparency-dev produce and accept.
 *
 * <p>All methods are static, stateless and thread-safe. Hashes are {@code byte[32]};
 * methods never keep or change the arrays they are given, and return fresh ones.
 */
public final class Merkle {
  /** The length in bytes of every hash. */
  public static final int HASH_SIZE = 32;

  private static final byte LEAF_PREFIX = 0x00;
  private static final byte NODE_PREFIX = 0x01;

  private Merkle() {}

  /** The leaf hash of {@code leafInput}: {@code SHA-256(0x00 || leafInput)}. */
  public static byte[] leafHash(byte[] leafInput) {
    MessageDigest d = sha256();
    d.update(LEAF_PREFIX);
    d.update(leafInput);
    return d.digest();
  }

  /**
   * The interior node over two subtrees: {@code SHA-256(0x01 || left || right)}.
   *
   * @throws IllegalArgumentException if either is not 32 bytes
   */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    requireHash(left, "left");
    requireHash(right, "right");
    MessageDigest d = sha256();
    d.update(NODE_PREFIX);
    d.update(left);
    d.update(right);
    return d.digest();
  }

  /** The root of the empty tree: {@code SHA-256("")}. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  /**
   * The root of the tree whose leaf hashes these are, in order ({@link #emptyRoot()} for
   * none). Costs one node hash per leaf after the first.
   *
   * @throws IllegalArgumentException if a leaf hash is not 32 bytes
   */
  public static byte[] root(List<byte[]> leafHashes) {
    TreeFrontier tree = new TreeFrontier();
    for (byte[] leaf : leafHashes) {
      tree.add(leaf);
    }
    return tree.root();
  }

  /**
   * The root of the subtree over these leaf hashes, the same as {@link #root}: for {@code
   * 2^level} leaf hashes, the value a {@link NodeReader} returns for their perfect subtree.
   */
  public static byte[] subtreeRoot(List<byte[]> leafHashes) {
    return root(leafHashes);
  }

  /**
   * The inclusion proof of the leaf at {@code index} in the tree of {@code size} leaves
   * (RFC 9162 section 2.1.3.1), read from the perfect subtrees {@code reader} stores.
   *
   * @throws IllegalArgumentException unless {@code 0 <= index < size}
   * @throws IOException if the reader fails or returns a hash that is not 32 bytes
   */
  public static List<byte[]> inclusionProof(long index, long size, NodeReader reader)
      throws IOException {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException(
          "index must be in [0, size), got index " + index + " and size " + size);
    }
    return path(0, index, size, reader);
  }

  /**
   * The consistency proof from the tree of {@code oldSize} leaves to the tree of {@code
   * newSize} leaves (RFC 9162 section 2.1.4.1): empty when the sizes are equal.
   *
   * @throws IllegalArgumentException unless {@code 1 <= oldSize <= newSize}: RFC 9162 has
   *     no proof from the empty tree, which every tree trivially extends
   * @throws IOException if the reader fails or returns a hash that is not 32 bytes
   */
  public static List<byte[]> consistencyProof(long oldSize, long newSize, NodeReader reader)
      throws IOException {
    if (oldSize < 1 || oldSize > newSize) {
      throw new IllegalArgumentException("consistency needs 1 <= oldSize <= newSize, got oldSize "
          + oldSize + " and newSize " + newSize);
    }
    if (oldSize == newSize) {
      return new ArrayList<>();
    }
    // The old tree's last perfect subtree is a node of the new tree too; the proof is its
    // path to the new root, preceded by the node itself unless it is the whole old tree
    // (old size a power of two), whose hash the verifier already holds.
    int level = Long.numberOfTrailingZeros(oldSize);
    long index = (oldSize - 1) >>> level;
    List<byte[]> proof = new ArrayList<>();
    if (index != 0) {
      proof.add(read(reader, level, index));
    }
    proof.addAll(path(level, index, newSize, reader));
    return proof;
  }

  /**
   * Whether {@code proof} shows that {@code leafHash} is the leaf at {@code index} in the
   * tree of {@code size} leaves whose root is {@code root} (RFC 9162 section 2.1.3.2).
   * False, never an exception, for any bad input: an index outside the tree, a null or a
   * hash that is not 32 bytes, a proof too short or too long.
   *
   * <p>The size and root must come together from one signed checkpoint: a proof checks the
   * path's shape against the size, but some shapes fit two sizes (index 0 of 3 leaves and of
   * 4), and such a proof verifies against the smaller tree's root with either size.
   */
  public static boolean verifyInclusion(long index, long size, byte[] leafHash,
      List<byte[]> proof, byte[] root) {
    if (index < 0 || index >= size || !isHash(leafHash) || !isHash(root) || !areHashes(proof)) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        while (fn != 0 && (fn & 1) == 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && Arrays.equals(r, root);
  }

  /**
   * Whether {@code proof} shows that the tree of {@code oldSize} leaves with root {@code
   * oldRoot} is a prefix of the tree of {@code newSize} leaves with root {@code newRoot}
   * (RFC 9162 section 2.1.4.2). Equal sizes need equal roots and an empty proof; an old size
   * of 0 is refused, as RFC 9162 defines no proof for it. False, never an exception, for any
   * bad input.
   */
  public static boolean verifyConsistency(long oldSize, long newSize, byte[] oldRoot,
      byte[] newRoot, List<byte[]> proof) {
    if (oldSize < 1 || newSize < oldSize || !isHash(oldRoot) || !isHash(newRoot)
        || !areHashes(proof)) {
      return false;
    }
    if (oldSize == newSize) {
      return proof.isEmpty() && Arrays.equals(oldRoot, newRoot);
    }
    if (proof.isEmpty()) {
      return false;
    }
    List<byte[]> path = proof;
    if ((oldSize & (oldSize - 1)) == 0) {
      path = new ArrayList<>(proof.size() + 1);
      path.add(oldRoot);
      path.addAll(proof);
    }
    long fn = oldSize - 1;
    long sn = newSize - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (byte[] c : path.subList(1, path.size())) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        while (fn != 0 && (fn & 1) == 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && Arrays.equals(fr, oldRoot) && Arrays.equals(sr, newRoot);
  }

  /**
   * The left frontier of the tree of {@code size} leaves: the hashes of the perfect
   * subtrees that together cover leaves {@code [0, size)}, one per set bit of {@code size},
   * largest (leftmost) first. With {@link #rootFromFrontier} it lets a verifier check a
   * range of leaves that starts at {@code size} without the leaves before it.
   *
   * @throws IllegalArgumentException if {@code size} is negative
   * @throws IOException if the reader fails or returns a hash that is not 32 bytes
   */
  public static List<byte[]> leftFrontier(long size, NodeReader reader) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size);
    }
    return perfectSubtrees(0, size, reader);
  }

  /**
   * The root of the tree of {@code begin + leafHashes.size()} leaves whose first {@code
   * begin} leaves are summarized by {@code frontier} (see {@link #leftFrontier}) and whose
   * remaining leaves have these hashes, in order.
   *
   * <p>Comparing the result with a signed root checks both the leaves and their positions:
   * {@code begin} and the final size fix the shape of the tree, so which perfect subtree
   * each frontier hash stands for and where each leaf hangs are determined, and a leaf
   * moved, dropped, added or replaced, or a frontier for another {@code begin}, yields a
   * different root (short of a SHA-256 collision).
   *
   * @throws IllegalArgumentException if {@code begin} is negative, the frontier does not
   *     have {@code Long.bitCount(begin)} hashes, or any hash is not 32 bytes
   */
  public static byte[] rootFromFrontier(long begin, List<byte[]> frontier,
      List<byte[]> leafHashes) {
    TreeFrontier tree = TreeFrontier.of(begin, frontier);
    for (int i = 0; i < leafHashes.size(); i++) {
      requireHash(leafHashes.get(i), "leafHashes[" + i + "]");
      tree.add(leafHashes.get(i));
    }
    return tree.root();
  }

  /**
   * The path from the perfect subtree at (level, index) to the root of the tree of size
   * leaves, without the subtree itself: the siblings up to the highest perfect subtree on
   * the way (the fork), then the hash of the leaves right of the fork if any (the
   * imperfect right edge, folded from perfect subtrees), then the perfect subtrees left of
   * the fork, smallest first. This is RFC 9162's PATH and SUBPROOF recursion, unrolled.
   */
  private static List<byte[]> path(int level, long index, long size, NodeReader reader)
      throws IOException {
    int inner = 63 - Long.numberOfLeadingZeros(index ^ (size >>> level));
    List<byte[]> proof = new ArrayList<>();
    for (int up = 0; up < inner; up++) {
      proof.add(read(reader, level + up, (index >>> up) ^ 1));
    }
    int forkLevel = level + inner;
    long begin = (index >>> inner) << forkLevel;
    long end = begin + (1L << forkLevel);
    if (end < size) {
      proof.add(foldRight(perfectSubtrees(end, size, reader)));
    }
    for (long rest = begin; rest != 0; rest &= rest - 1) {
      int lowest = Long.numberOfTrailingZeros(rest);
      proof.add(read(reader, lowest, (rest >>> lowest) - 1));
    }
    return proof;
  }

  /**
   * The perfect subtrees covering [begin, end), largest first, where begin is a multiple of
   * a power of two larger than end - begin (true of 0, and of the end of a fork).
   */
  private static List<byte[]> perfectSubtrees(long begin, long end, NodeReader reader)
      throws IOException {
    List<byte[]> hashes = new ArrayList<>();
    long at = begin;
    for (int level = 62; level >= 0; level--) {
      if (((end - begin) & (1L << level)) != 0) {
        hashes.add(read(reader, level, at >>> level));
        at += 1L << level;
      }
    }
    return hashes;
  }

  /** Joins subtrees that lie side by side, largest first, into the root over all of them. */
  static byte[] foldRight(List<byte[]> subtrees) {
    if (subtrees.isEmpty()) {
      return emptyRoot();
    }
    byte[] h = subtrees.get(subtrees.size() - 1);
    for (int i = subtrees.size() - 2; i >= 0; i--) {
      h = nodeHash(subtrees.get(i), h);
    }
    return h.clone();
  }

  private static byte[] read(NodeReader reader, int level, long index) throws IOException {
    byte[] h = reader.node(level, index);
    if (!isHash(h)) {
      throw new IOException("node reader returned " + (h == null ? "null" : h.length + " bytes")
          + " for the node at level " + level + ", index " + index + "; want 32 bytes");
    }
    return h.clone();
  }

  static void requireHash(byte[] h, String what) {
    if (!isHash(h)) {
      throw new IllegalArgumentException(what + " must be a 32-byte hash, got "
          + (h == null ? "null" : h.length + " bytes"));
    }
  }

  private static boolean isHash(byte[] h) {
    return h != null && h.length == HASH_SIZE;
  }

  private static boolean areHashes(List<byte[]> hashes) {
    if (hashes == null) {
      return false;
    }
    for (byte[] h : hashes) {
      if (!isHash(h)) {
        return false;
      }
    }
    return true;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java platform lacks SHA-256", e);
    }
  }
}
