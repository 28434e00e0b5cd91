package dev.auditlog.integrity.tlog;

import static dev.auditlog.integrity.tlog.MerkleVectorsTest.assertHashes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link TreeFrontier}, {@link Merkle#leftFrontier} and {@link Merkle#rootFromFrontier}. */
class TreeFrontierTest {
  private static final int MAX = 64;
  private static final ReferenceTree TREE = ReferenceTree.ofSize(130);

  @Test
  void leftFrontier_isThePerfectSubtreesLargestFirst() throws IOException {
    for (int size = 0; size <= MAX; size++) {
      List<byte[]> frontier = Merkle.leftFrontier(size, TREE.reader(size));
      assertEquals(Integer.bitCount(size), frontier.size(), "size " + size);
      assertHashes(TREE.frontier(size), frontier, "size " + size);
    }
  }

  @Test
  void rootFromFrontier_equalsTheRoot_forEverySplitUpTo64() throws IOException {
    for (int size = 0; size <= MAX; size++) {
      byte[] root = TREE.mth(0, size);
      for (int begin = 0; begin <= size; begin++) {
        List<byte[]> frontier = Merkle.leftFrontier(begin, TREE.reader(begin));
        assertArrayEquals(root,
            Merkle.rootFromFrontier(begin, frontier, TREE.leafHashes(begin, size)),
            "begin " + begin + " size " + size);
      }
    }
  }

  @Test
  void rootFromFrontier_withAnyFrontierHashFlipped_isAnotherRoot() throws IOException {
    for (int size = 1; size <= MAX; size++) {
      byte[] root = TREE.mth(0, size);
      for (int begin = 1; begin <= size; begin++) {
        List<byte[]> frontier = Merkle.leftFrontier(begin, TREE.reader(begin));
        for (int i = 0; i < frontier.size(); i++) {
          List<byte[]> bad = new ArrayList<>(frontier);
          byte[] h = bad.get(i).clone();
          h[31] ^= 1;
          bad.set(i, h);
          assertFalse(Arrays.equals(root,
              Merkle.rootFromFrontier(begin, bad, TREE.leafHashes(begin, size))),
              "begin " + begin + " size " + size + " frontier[" + i + "]");
        }
      }
    }
  }

  @Test
  void rootFromFrontier_bindsPosition_shiftedOrReorderedLeavesAreAnotherRoot()
      throws IOException {
    byte[] root = TREE.mth(0, 20);
    List<byte[]> leaves = TREE.leafHashes(7, 20);
    List<byte[]> at7 = Merkle.leftFrontier(7, TREE.reader(7));
    // Same frontier length (bitCount 3), claimed at another position.
    List<byte[]> at11 = Merkle.leftFrontier(11, TREE.reader(11));
    assertFalse(Arrays.equals(root, Merkle.rootFromFrontier(11, at7, TREE.leafHashes(11, 20))));
    assertFalse(Arrays.equals(root, Merkle.rootFromFrontier(11, at11, leaves.subList(0, 9))));
    List<byte[]> swapped = new ArrayList<>(leaves);
    swapped.set(0, leaves.get(1));
    swapped.set(1, leaves.get(0));
    assertFalse(Arrays.equals(root, Merkle.rootFromFrontier(7, at7, swapped)));
    assertFalse(Arrays.equals(root, Merkle.rootFromFrontier(7, at7, leaves.subList(1, 13))));
  }

  @Test
  void rootFromFrontier_refusesAFrontierOfTheWrongShape() throws IOException {
    List<byte[]> at7 = Merkle.leftFrontier(7, TREE.reader(7));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Merkle.rootFromFrontier(8, at7, List.of()));
    assertTrue(e.getMessage().contains("size 8 has 1 hashes"), e.getMessage());
    assertTrue(e.getMessage().contains("got 3"), e.getMessage());
    List<byte[]> shortHash = new ArrayList<>(at7);
    shortHash.set(2, new byte[31]);
    e = assertThrows(IllegalArgumentException.class,
        () -> Merkle.rootFromFrontier(7, shortHash, List.of()));
    assertTrue(e.getMessage().contains("frontier[2]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Merkle.rootFromFrontier(7, at7, List.of(new byte[32], new byte[5])));
    assertTrue(e.getMessage().contains("leafHashes[1]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Merkle.rootFromFrontier(-1, at7, List.of()));
  }

  @Test
  void append_reportsEveryPerfectSubtreeOnce_withOneNodeHashPerMerge() {
    TreeFrontier tree = new TreeFrontier();
    Set<String> seen = new HashSet<>();
    int interior = 0;
    for (int n = 0; n < 130; n++) {
      List<TreeFrontier.Node> completed = tree.append(TREE.leafHash(n));
      assertEquals(new TreeFrontier.Node(0, n, TREE.leafHash(n)), completed.get(0));
      for (TreeFrontier.Node node : completed) {
        int lo = (int) (node.index() << node.level());
        int hi = (int) ((node.index() + 1) << node.level());
        assertEquals(n + 1, hi, "a node completed by leaf " + n + " ends at it");
        assertArrayEquals(TREE.mth(lo, hi), node.hash(), node.toString());
        assertTrue(seen.add(node.level() + "/" + node.index()), "twice: " + node);
        interior += node.level() > 0 ? 1 : 0;
      }
      assertEquals(n + 1, tree.size());
      assertArrayEquals(TREE.mth(0, n + 1), tree.root(), "root at size " + (n + 1));
      assertHashes(TREE.frontier(n + 1), tree.frontier(), "frontier at size " + (n + 1));
    }
    assertEquals(130 - Integer.bitCount(130), interior, "node hashes for 130 appends");
  }

  @Test
  void aFrontierResumedFromStoredNodes_continuesTheSameTree() throws IOException {
    TreeFrontier tree = TreeFrontier.of(45, Merkle.leftFrontier(45, TREE.reader(45)));
    for (int n = 45; n < 100; n++) {
      tree.append(TREE.leafHash(n));
    }
    assertArrayEquals(TREE.mth(0, 100), tree.root());
    assertArrayEquals(Merkle.emptyRoot(), new TreeFrontier().root());
  }

  @Test
  void badInput_isRefusedNamingIt() {
    TreeFrontier tree = new TreeFrontier();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tree.append(new byte[33]));
    assertTrue(e.getMessage().contains("leafHash must be a 32-byte hash, got 33 bytes"),
        e.getMessage());
    assertEquals(0, tree.size());
    assertThrows(IllegalArgumentException.class, () -> TreeFrontier.of(3, List.of(new byte[32])));
    assertThrows(IllegalArgumentException.class, () -> new TreeFrontier.Node(-1, 0, new byte[32]));
  }

  @Test
  void nodeAndFrontier_doNotShareTheirArrays() {
    TreeFrontier tree = new TreeFrontier();
    byte[] leaf = TREE.leafHash(0);
    TreeFrontier.Node node = tree.append(leaf).get(0);
    leaf[0] ^= 1;
    node.hash()[0] ^= 1;
    tree.frontier().get(0)[0] ^= 1;
    assertArrayEquals(TREE.leafHash(0), node.hash());
    assertArrayEquals(TREE.leafHash(0), tree.root());
  }
}
