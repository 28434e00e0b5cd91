package dev.auditlog.integrity.tlog;

import static dev.auditlog.integrity.tlog.MerkleVectorsTest.assertHashes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every inclusion proof in trees of 1 to 64 leaves and every consistency proof between them,
 * against {@link ReferenceTree}; each one verified, and each one tampered with in the ways
 * transparency-dev/merkle's verifier tests do, and refused.
 */
class MerkleProofsTest {
  private static final int MAX = 64;
  private static final ReferenceTree TREE = ReferenceTree.ofSize(2 * MAX);
  private static final byte[] OTHER = Merkle.leafHash("other".getBytes());

  @Test
  void everyInclusionProofUpTo64Leaves_isRfcPath_verifies_andRefusesEveryTampering()
      throws IOException {
    for (int size = 1; size <= MAX; size++) {
      byte[] root = TREE.mth(0, size);
      for (int index = 0; index < size; index++) {
        String what = "index " + index + " size " + size;
        List<byte[]> proof = Merkle.inclusionProof(index, size, TREE.reader(size));
        assertHashes(TREE.path(index, size), proof, what);
        byte[] leaf = TREE.leafHash(index);
        assertTrue(Merkle.verifyInclusion(index, size, leaf, proof, root), what);
        inclusionProbes(index, size, leaf, proof, root).forEach((probe, ok) ->
            assertFalse(ok, what + ": " + probe + " was accepted"));
      }
    }
  }

  @Test
  void everyConsistencyProofUpTo64Leaves_isRfcSubproof_verifies_andRefusesEveryTampering()
      throws IOException {
    for (int n = 1; n <= MAX; n++) {
      for (int m = 1; m <= n; m++) {
        String what = m + " to " + n;
        List<byte[]> proof = Merkle.consistencyProof(m, n, TREE.reader(n));
        assertHashes(TREE.consistency(m, n), proof, what);
        byte[] r1 = TREE.mth(0, m);
        byte[] r2 = TREE.mth(0, n);
        assertTrue(Merkle.verifyConsistency(m, n, r1, r2, proof), what);
        if (m < n) {
          consistencyProbes(m, n, r1, r2, proof).forEach((probe, ok) ->
              assertFalse(ok, what + ": " + probe + " was accepted"));
        }
      }
    }
  }

  @Test
  void equalSizes_needEqualRootsAndAnEmptyProof() {
    byte[] r = TREE.mth(0, 5);
    assertTrue(Merkle.verifyConsistency(5, 5, r, r, List.of()));
    assertFalse(Merkle.verifyConsistency(5, 5, r, TREE.mth(0, 4), List.of()));
    assertFalse(Merkle.verifyConsistency(5, 5, r, r, List.of(r)));
  }

  @Test
  void fromTheEmptyTree_thereIsNoProof() {
    byte[] empty = Merkle.emptyRoot();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Merkle.consistencyProof(0, 5, TREE.reader(5)));
    assertTrue(e.getMessage().contains("oldSize 0"), e.getMessage());
    assertFalse(Merkle.verifyConsistency(0, 5, empty, TREE.mth(0, 5), List.of()));
    assertFalse(Merkle.verifyConsistency(0, 0, empty, empty, List.of()));
  }

  @Test
  void badArguments_areRefusedNamingTheValues() {
    NodeReader r = TREE.reader(10);
    assertMessage("index -1", () -> Merkle.inclusionProof(-1, 10, r));
    assertMessage("index 10 and size 10", () -> Merkle.inclusionProof(10, 10, r));
    assertMessage("size 0", () -> Merkle.inclusionProof(0, 0, r));
    assertMessage("oldSize 11 and newSize 10", () -> Merkle.consistencyProof(11, 10, r));
    assertMessage("oldSize -1", () -> Merkle.consistencyProof(-1, 10, r));
    assertMessage("got -1", () -> Merkle.leftFrontier(-1, r));
  }

  @Test
  void malformedInputs_areFalseNotExceptions() {
    byte[] leaf = TREE.leafHash(2);
    byte[] root = TREE.mth(0, 5);
    List<byte[]> good = TREE.path(2, 5);
    List<byte[]> withNull = new ArrayList<>(good);
    withNull.set(1, null);
    List<byte[]> shortHash = new ArrayList<>(good);
    shortHash.set(1, Arrays.copyOf(good.get(1), 31));
    assertFalse(Merkle.verifyInclusion(2, 5, leaf, null, root));
    assertFalse(Merkle.verifyInclusion(2, 5, leaf, withNull, root));
    assertFalse(Merkle.verifyInclusion(2, 5, leaf, shortHash, root));
    assertFalse(Merkle.verifyInclusion(2, 5, null, good, root));
    assertFalse(Merkle.verifyInclusion(2, 5, leaf, good, null));
    assertFalse(Merkle.verifyInclusion(2, 5, leaf, good, Arrays.copyOf(root, 33)));
    assertFalse(Merkle.verifyInclusion(-1, 5, leaf, good, root));
    assertFalse(Merkle.verifyInclusion(2, -5, leaf, good, root));
    assertFalse(Merkle.verifyInclusion(5, 5, leaf, good, root));
    List<byte[]> c = TREE.consistency(3, 7);
    byte[] r3 = TREE.mth(0, 3);
    byte[] r7 = TREE.mth(0, 7);
    List<byte[]> cNull = new ArrayList<>(c);
    cNull.set(0, null);
    assertFalse(Merkle.verifyConsistency(3, 7, r3, r7, null));
    assertFalse(Merkle.verifyConsistency(3, 7, r3, r7, cNull));
    assertFalse(Merkle.verifyConsistency(3, 7, null, r7, c));
    assertFalse(Merkle.verifyConsistency(3, 7, r3, new byte[31], c));
    assertFalse(Merkle.verifyConsistency(7, 3, r7, r3, c));
    assertFalse(Merkle.verifyConsistency(-3, 7, r3, r7, c));
  }

  @Test
  void aReaderReturningABadHash_isAnIoException() {
    IOException e = assertThrows(IOException.class,
        () -> Merkle.inclusionProof(0, 4, (level, index) -> new byte[31]));
    assertTrue(e.getMessage().contains("31 bytes"), e.getMessage());
    assertThrows(IOException.class, () -> Merkle.consistencyProof(3, 4, (level, index) -> null));
  }

  /** Each tampered variant of a good inclusion proof, and whether it verified. */
  private static Map<String, Boolean> inclusionProbes(long index, long size, byte[] leaf,
      List<byte[]> proof, byte[] root) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (long i : new long[] {index - 1, index + 1, index ^ 2}) {
      out.put("index " + i, Merkle.verifyInclusion(i, size, leaf, proof, root));
    }
    // Another size with the same root is refused when the proof's shape cannot fit it; a
    // size one larger can share the shape (index 0 of 3 and of 4), which is why a size and
    // root must come together from one signed checkpoint.
    for (long s : new long[] {size * 2, size / 2}) {
      out.put("size " + s, Merkle.verifyInclusion(index, s, leaf, proof, root));
    }
    out.put("wrong leaf", Merkle.verifyInclusion(index, size, OTHER, proof, root));
    out.put("empty root", Merkle.verifyInclusion(index, size, leaf, proof, Merkle.emptyRoot()));
    out.put("other root", Merkle.verifyInclusion(index, size, leaf, proof, OTHER));
    for (int i = 0; i < proof.size(); i++) {
      out.put("proof[" + i + "] flipped",
          Merkle.verifyInclusion(index, size, leaf, flipped(proof, i), root));
    }
    for (Map.Entry<String, List<byte[]>> e : lengthChanges(proof, root).entrySet()) {
      out.put(e.getKey(), Merkle.verifyInclusion(index, size, leaf, e.getValue(), root));
    }
    return out;
  }

  /** Each tampered variant of a good consistency proof, and whether it verified. */
  private static Map<String, Boolean> consistencyProbes(long m, long n, byte[] r1, byte[] r2,
      List<byte[]> proof) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (long s : new long[] {m - 1, m + 1, m ^ 2}) {
      out.put("old size " + s, Merkle.verifyConsistency(s, n, r1, r2, proof));
    }
    for (long s : new long[] {n * 2, n / 2}) {
      out.put("new size " + s, Merkle.verifyConsistency(m, s, r1, r2, proof));
    }
    out.put("wrong old root", Merkle.verifyConsistency(m, n, OTHER, r2, proof));
    out.put("wrong new root", Merkle.verifyConsistency(m, n, r1, OTHER, proof));
    out.put("swapped roots", Merkle.verifyConsistency(m, n, r2, r1, proof));
    out.put("empty proof", Merkle.verifyConsistency(m, n, r1, r2, List.of()));
    for (int i = 0; i < proof.size(); i++) {
      out.put("proof[" + i + "] flipped",
          Merkle.verifyConsistency(m, n, r1, r2, flipped(proof, i)));
    }
    for (Map.Entry<String, List<byte[]>> e : lengthChanges(proof, r1).entrySet()) {
      out.put(e.getKey() + " (old root)", Merkle.verifyConsistency(m, n, r1, r2, e.getValue()));
    }
    for (Map.Entry<String, List<byte[]>> e : lengthChanges(proof, r2).entrySet()) {
      out.put(e.getKey() + " (new root)", Merkle.verifyConsistency(m, n, r1, r2, e.getValue()));
    }
    return out;
  }

  /** The proof truncated, extended and with hashes inserted, each at both ends. */
  private static Map<String, List<byte[]>> lengthChanges(List<byte[]> proof, byte[] root) {
    Map<String, List<byte[]>> out = new LinkedHashMap<>();
    if (!proof.isEmpty()) {
      out.put("last removed", proof.subList(0, proof.size() - 1));
      out.put("first removed", proof.subList(1, proof.size()));
      out.put("first repeated", with(0, proof.get(0), proof));
    }
    for (byte[] extra : List.of(root, OTHER)) {
      String name = extra == root ? "root" : "other hash";
      out.put(name + " appended", with(proof.size(), extra, proof));
      out.put(name + " prepended", with(0, extra, proof));
      if (proof.size() > 1) {
        out.put(name + " inserted", with(1, extra, proof));
      }
    }
    return out;
  }

  private static List<byte[]> with(int at, byte[] extra, List<byte[]> proof) {
    List<byte[]> out = new ArrayList<>(proof);
    out.add(at, extra);
    return out;
  }

  private static List<byte[]> flipped(List<byte[]> proof, int i) {
    List<byte[]> out = new ArrayList<>(proof);
    byte[] h = out.get(i).clone();
    h[0] ^= 8;
    out.set(i, h);
    return out;
  }

  private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
    assertTrue(x.getMessage().contains(part), "'" + x.getMessage() + "' should name " + part);
    assertEquals(IllegalArgumentException.class, x.getClass());
  }
}
