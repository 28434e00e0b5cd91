package dev.auditlog.server.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.store.LogAppends;
import dev.auditlog.server.store.Tile;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's Merkle tree over a store, checked against the tree computed from scratch by
 * {@link Merkle#root} (itself checked against the RFC 6962 vectors): roots, proofs, the
 * stored tiles, and the rebuild when a server starts.
 */
class LogTreeTest {
  private static final String LOG = "default";
  // Two full level-1 tiles' worth of leaves needs 131072 entries; one and a bit suffices to
  // cross every kind of boundary (leaf tile, level-1 tile, partial at both levels).
  private static final int ENTRIES = 256 * 256 + 256 * 3 + 17;

  private static MemoryAuditStore store;
  private static List<byte[]> leafHashes;
  private static List<Entry> entries;

  @BeforeAll
  static void fill() throws Exception {
    store = new MemoryAuditStore();
    leafHashes = new ArrayList<>();
    entries = LogAppends.append(store, LOG, ENTRIES);
    for (Entry e : entries) {
      leafHashes.add(Merkle.leafHash(HexFormat.of().parseHex(e.getEntryHash())));
    }
  }

  private static LogTree tree(Optional<LogTree.SignedRoot> signed) {
    return new LogTree(store.tiles(), LOG, () -> signed);
  }

  private static LogTree.SignedRoot signed(long size, byte[] root) {
    return new LogTree.SignedRoot(size, root,
        HexFormat.of().parseHex(entries.get((int) size - 1).getChainHash()));
  }

  private static byte[] expectedRoot(long size) {
    return Merkle.root(leafHashes.subList(0, (int) size));
  }

  @Test
  void integrate_reachesTheHead_andGivesTheRootOfEverySize() throws Exception {
    LogTree tree = tree(Optional.empty());

    assertEquals(ENTRIES, tree.integrate());

    for (long size : new long[] {0, 1, 2, 3, 255, 256, 257, 511, 512, 65535, 65536, 65537,
        ENTRIES - 1, ENTRIES}) {
      assertArrayEquals(expectedRoot(size), tree.root(size), "root of size " + size);
    }
    assertThrows(IllegalArgumentException.class, () -> tree.root(ENTRIES + 1));
  }

  @Test
  void fullTiles_areStored_andPartialOnesServedFromTheEdge() throws Exception {
    LogTree tree = tree(Optional.empty());
    tree.integrate();

    List<Tile> level0 = store.tiles().tiles(LOG, 0, 0, 1000);
    assertEquals(ENTRIES / 256, level0.size(), "every full leaf tile, and only those");
    assertArrayEquals(leafHashes.get(300), level0.get(1).hash(44));
    List<Tile> level1 = store.tiles().tiles(LOG, 1, 0, 10);
    assertEquals(1, level1.size());
    assertArrayEquals(expectedRoot(256), level1.get(0).hash(0));

    byte[] partial = tree.tile(0, ENTRIES / 256, 17).orElseThrow();
    assertArrayEquals(leafHashes.get(ENTRIES - 1),
        java.util.Arrays.copyOfRange(partial, 16 * 32, 17 * 32));
    assertTrue(tree.tile(0, ENTRIES / 256, 18).isEmpty(), "wider than the tree");
    assertEquals(8 * 32, tree.tile(0, 3, 8).orElseThrow().length, "a full tile's prefix");
    assertTrue(tree.tile(0, ENTRIES / 256 + 1, 1).isEmpty());
  }

  @Test
  void proofs_verifyAgainstTheRoots() throws Exception {
    LogTree tree = tree(Optional.empty());
    tree.integrate();
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      long size = 1 + random.nextInt(ENTRIES);
      long index = random.nextInt((int) size);
      long old = 1 + random.nextInt((int) size);
      byte[] root = expectedRoot(size);

      assertTrue(Merkle.verifyInclusion(index, size, leafHashes.get((int) index),
          tree.inclusionProof(index, size), root), "inclusion of " + index + " in " + size);
      assertTrue(Merkle.verifyConsistency(old, size, expectedRoot(old), root,
          tree.consistencyProof(old, size)), "consistency " + old + " to " + size);
      assertArrayEquals(root, Merkle.rootFromFrontier(old, tree.leftFrontier(old),
          leafHashes.subList((int) old, (int) size)), "frontier of " + old);
    }
  }

  @Test
  void restart_rebuildsTheEdgeFromTheTiles_atTheSignedRoot() throws Exception {
    tree(Optional.empty()).integrate();
    long signedSize = 256 * 256 + 256 + 5;
    LogTree restarted =
        tree(Optional.of(signed(signedSize, expectedRoot(signedSize))));

    assertEquals(ENTRIES, restarted.integrate());

    assertArrayEquals(expectedRoot(ENTRIES), restarted.root(ENTRIES));
    assertEquals(entries.get(ENTRIES - 1).getChainHash(),
        HexFormat.of().formatHex(restarted.chainHash()));
    assertArrayEquals(expectedRoot(1000), restarted.root(1000));
  }

  @Test
  void aSignedRootTheEntriesDoNotGive_breaksTheTree() throws Exception {
    byte[] wrong = expectedRoot(700);
    wrong[0] ^= 1;
    LogTree tree = tree(Optional.of(signed(700, wrong)));

    TreeMismatchException e = assertThrows(TreeMismatchException.class, tree::integrate);

    assertTrue(e.getMessage().contains("entries were changed"), e.getMessage());
    assertThrows(TreeMismatchException.class, () -> tree.root(1));
    assertThrows(TreeMismatchException.class, () -> tree.inclusionProof(0, 1));
    assertThrows(TreeMismatchException.class, tree::integrate);
  }

  @Test
  void emptyLog_hasTheEmptyRoot() throws Exception {
    LogTree tree = new LogTree(new MemoryAuditStore().tiles(), LOG, Optional::empty);

    assertEquals(0, tree.integrate());
    assertArrayEquals(Merkle.emptyRoot(), tree.root(0));
    assertFalse(tree.tile(0, 0, 1).isPresent());
  }
}
