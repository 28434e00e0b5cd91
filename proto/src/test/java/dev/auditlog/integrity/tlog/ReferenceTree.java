package dev.auditlog.integrity.tlog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 6962 section 2.1 written out literally (MTH, PATH, SUBPROOF as recursive functions
 * over the list of leaves), with its own SHA-256: the reference the production code in
 * {@link Merkle} is checked against. Slow and obviously right, not shared with production.
 */
final class ReferenceTree {
  private final List<byte[]> leafHashes;
  private final Map<String, byte[]> memo = new HashMap<>();

  private ReferenceTree(List<byte[]> leafHashes) {
    this.leafHashes = leafHashes;
  }

  /** A tree of n leaves whose inputs are "leaf 0", "leaf 1", ... */
  static ReferenceTree ofSize(int n) {
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      hashes.add(hashLeaf(("leaf " + i).getBytes(StandardCharsets.UTF_8)));
    }
    return new ReferenceTree(hashes);
  }

  static ReferenceTree ofInputs(List<byte[]> inputs) {
    List<byte[]> hashes = new ArrayList<>();
    for (byte[] input : inputs) {
      hashes.add(hashLeaf(input));
    }
    return new ReferenceTree(hashes);
  }

  List<byte[]> leafHashes(int from, int to) {
    return new ArrayList<>(leafHashes.subList(from, to));
  }

  byte[] leafHash(int i) {
    return leafHashes.get(i).clone();
  }

  /** MTH(D[lo:hi]). */
  byte[] mth(int lo, int hi) {
    String key = lo + ":" + hi;
    byte[] cached = memo.get(key);
    if (cached != null) {
      return cached.clone();
    }
    byte[] h;
    if (hi == lo) {
      h = sha256(new byte[0]);
    } else if (hi - lo == 1) {
      h = leafHashes.get(lo).clone();
    } else {
      int k = largestPowerOfTwoBelow(hi - lo);
      h = hashChildren(mth(lo, lo + k), mth(lo + k, hi));
    }
    memo.put(key, h);
    return h.clone();
  }

  /** PATH(m, D[0:n]). */
  List<byte[]> path(int m, int n) {
    return path(m, 0, n);
  }

  private List<byte[]> path(int m, int lo, int hi) {
    List<byte[]> out = new ArrayList<>();
    if (hi - lo <= 1) {
      return out;
    }
    int k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      out.addAll(path(m, lo, lo + k));
      out.add(mth(lo + k, hi));
    } else {
      out.addAll(path(m - k, lo + k, hi));
      out.add(mth(lo, lo + k));
    }
    return out;
  }

  /** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true). */
  List<byte[]> consistency(int m, int n) {
    return subproof(m, 0, n, true);
  }

  private List<byte[]> subproof(int m, int lo, int hi, boolean b) {
    List<byte[]> out = new ArrayList<>();
    int n = hi - lo;
    if (m == n) {
      if (!b) {
        out.add(mth(lo, hi));
      }
      return out;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      out.addAll(subproof(m, lo, lo + k, b));
      out.add(mth(lo + k, hi));
    } else {
      out.addAll(subproof(m - k, lo + k, hi, false));
      out.add(mth(lo, lo + k));
    }
    return out;
  }

  /**
   * A reader for the tree of {@code size} leaves that fails the test if asked for a node
   * that is not a perfect subtree inside that size.
   */
  NodeReader reader(long size) {
    return (level, index) -> {
      if (level < 0 || level > 30 || index < 0 || (index + 1) << level > size) {
        throw new AssertionError(
            "asked for node level " + level + " index " + index + " of a tree of size " + size);
      }
      return mth((int) (index << level), (int) ((index + 1) << level));
    };
  }

  /** The perfect subtrees of [0, n), largest first. */
  List<byte[]> frontier(int n) {
    List<byte[]> out = new ArrayList<>();
    int at = 0;
    for (int bit = Integer.highestOneBit(Math.max(n, 1)); bit > 0; bit >>= 1) {
      if ((n & bit) != 0) {
        out.add(mth(at, at + bit));
        at += bit;
      }
    }
    return out;
  }

  static int largestPowerOfTwoBelow(int n) {
    int k = 1;
    while (k << 1 < n) {
      k <<= 1;
    }
    return k;
  }

  static byte[] hashLeaf(byte[] input) {
    byte[] in = new byte[input.length + 1];
    System.arraycopy(input, 0, in, 1, input.length);
    return sha256(in);
  }

  static byte[] hashChildren(byte[] l, byte[] r) {
    byte[] in = new byte[1 + l.length + r.length];
    in[0] = 1;
    System.arraycopy(l, 0, in, 1, l.length);
    System.arraycopy(r, 0, in, 1 + l.length, r.length);
    return sha256(in);
  }

  private static byte[] sha256(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
