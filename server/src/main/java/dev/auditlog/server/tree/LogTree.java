package dev.auditlog.server.tree;

import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.NodeReader;
import dev.auditlog.server.store.Leaf;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.Tile;
import dev.auditlog.server.store.TileConflictException;
import dev.auditlog.server.store.TileStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log's RFC 6962 Merkle tree (docs/merkle-tree.md): leaf {@code i} is the entry with seq
 * {@code i + 1}, its leaf hash {@code SHA-256(0x00 || entry_hash)}.
 *
 * <p>The tree follows the log by <em>integrating</em> committed entries, read back from the
 * store: their leaf hashes go into the partial tiles of the {@link TreeEdge}, held here in
 * memory, and each tile that fills up is stored before the tree counts its leaves. So the
 * tree never runs ahead of the store, and any number of server processes appending to the
 * same log build the same tiles.
 *
 * <p>When it starts, the tree rebuilds its edge at the size of the newest checkpoint the
 * server trusts from the stored full tiles, and checks the root against the signed one;
 * the entries after it are integrated again, each tile compared with the stored one. If the
 * tiles do not give the signed root, everything is integrated from the first entry, and if
 * that does not give it either, the entries were changed: the tree stays {@linkplain
 * #requireIntact broken} and signs nothing. A log without such a checkpoint (made before the
 * tree existed) is integrated from its first entry: the backfill.
 *
 * <p>Thread-safe: integration is one at a time; roots and proofs are read from an immutable
 * edge and the full tiles, concurrently.
 */
public final class LogTree {
  private static final Logger log = LoggerFactory.getLogger(LogTree.class);
  private static final int BATCH = 4096;
  private static final int CACHED_TILES = 512;
  private static final int LOGGED_BATCH = 100_000;

  private final TileStore store;
  private final String logId;
  private final Map<String, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
      return size() > CACHED_TILES;
    }
  };
  private final SignedRoots signed;
  private volatile TreeEdge edge = TreeEdge.EMPTY;
  private volatile String broken;
  private SignedRoot trusted;
  private boolean started;

  /** A tree size, root hash and chain hash that were signed, and so must be reproduced. */
  public record SignedRoot(long size, byte[] root, byte[] chainHash) {}

  /** Where the tree learns the newest root the server signed and trusts. */
  public interface SignedRoots {
    /** The newest trusted signed root, if any checkpoint has one. */
    Optional<SignedRoot> latest() throws StoreException;
  }

  /**
   * A tree that has not read anything yet: the first {@link #integrate} rebuilds it.
   *
   * @param signed the newest trusted checkpoint with a tree root, read when the tree starts
   */
  public LogTree(TileStore store, String logId, SignedRoots signed) {
    this.store = store;
    this.logId = logId;
    this.signed = signed;
  }

  public String logId() {
    return logId;
  }

  /** Leaves integrated so far. */
  public long size() {
    return edge.size();
  }

  /**
   * Integrates every entry committed so far and returns the tree's size: under the log's
   * lock, the size of its head.
   *
   * @throws TreeMismatchException if the tree is broken, a tile differs from a stored one,
   *     or the entries no longer give a signed root
   * @throws StoreException if the store fails (the tree keeps the size it had)
   */
  public synchronized long integrate() throws StoreException, TreeMismatchException {
    requireIntact();
    if (!started) {
      start();
    }
    TreeEdge current = edge;
    long from = current.size();
    long started = System.nanoTime();
    List<Leaf> leaves;
    do {
      leaves = store.leaves(logId, current.size(), BATCH);
      current = append(current, leaves);
    } while (leaves.size() == BATCH);
    if (current.size() - from >= LOGGED_BATCH) {
      log.info("log '{}': integrated entries {}..{} into the Merkle tree in {} ms", logId,
          from + 1, current.size(), (System.nanoTime() - started) / 1_000_000);
    }
    return current.size();
  }

  private TreeEdge append(TreeEdge from, List<Leaf> leaves)
      throws StoreException, TreeMismatchException {
    if (leaves.isEmpty()) {
      return from;
    }
    TreeEdge.Appender appender = from.appender();
    for (Leaf leaf : leaves) {
      if (!appender.add(leaf)) {
        throw breaks("the chain hash of entry " + (appender.size() + 1) + " of log '" + logId
            + "' does not follow from entry " + appender.size() + "'s: entries were changed",
            null);
      }
      if (trusted != null && appender.size() == trusted.size()) {
        checkTrusted(appender.edge());
      }
    }
    try {
      store.insertTiles(logId, appender.fullTiles());
    } catch (TileConflictException e) {
      throw breaks(e.getMessage(), e);
    }
    synchronized (cache) {
      for (Tile t : appender.fullTiles()) {
        cache.put(key(t.level(), t.index()), t.hashes());
      }
    }
    TreeEdge next = appender.edge();
    edge = next;
    return next;
  }

  /** The first integration: the edge at the trusted size from the tiles, if they give its root. */
  private void start() throws StoreException, TreeMismatchException {
    trusted = signed.latest().orElse(null);
    started = true;
    if (trusted == null || trusted.size() == 0) {
      trusted = null;
      log.info("log '{}': building the Merkle tree from the first entry", logId);
      return;
    }
    Optional<TreeEdge> rebuilt = fromTiles(trusted.size(), trusted.chainHash());
    if (rebuilt.isPresent() && Arrays.equals(root(rebuilt.get(), trusted.size()), trusted.root())) {
      edge = rebuilt.get();
      trusted = null;
      return;
    }
    log.warn("log '{}': the stored tiles do not give the signed Merkle root of tree size {};"
        + " integrating the tree again from the first entry", logId, trusted.size());
  }

  private void checkTrusted(TreeEdge at) throws TreeMismatchException {
    if (!Arrays.equals(root(at, at.size()), trusted.root())
        || !Arrays.equals(at.chainHash(), trusted.chainHash())) {
      throw breaks("the entries 1.." + at.size() + " of log '" + logId + "' no longer give"
          + " the signed Merkle root of tree size " + at.size() + ": entries were changed",
          null);
    }
    trusted = null;
  }

  /**
   * The leaf hashes of the partial tile at the edge of a tree of {@code size} leaves: the
   * leading ones of the full tile over them when it is stored (always, once its entries were
   * archived: audit-server archive stores it first), else from the entries.
   */
  private List<byte[]> partialLeaves(long size, int width) throws StoreException {
    List<byte[]> hashes = new ArrayList<>();
    if (width == 0) {
      return hashes;
    }
    for (Tile t : store.tiles(logId, 0, TreeEdge.fullTiles(size, 0), 1)) {
      for (int i = 0; i < width; i++) {
        hashes.add(Arrays.copyOfRange(t.hashes(), i * Merkle.HASH_SIZE,
            (i + 1) * Merkle.HASH_SIZE));
      }
      return hashes;
    }
    store.leaves(logId, size - width, width)
        .forEach(l -> hashes.add(Merkle.leafHash(l.entryHash())));
    return hashes;
  }

  /**
   * The edge of a tree of {@code size} leaves from the stored full tiles and the entries,
   * whose last entry has the signed {@code chainHash}.
   */
  private Optional<TreeEdge> fromTiles(long size, byte[] chainHash) throws StoreException {
    List<List<byte[]>> partial = new ArrayList<>();
    int width0 = TreeEdge.partialWidth(size, 0);
    partial.add(partialLeaves(size, width0));
    for (int t = 1; t < TreeEdge.LEVELS; t++) {
      int width = TreeEdge.partialWidth(size, t);
      List<Tile> below = store.tiles(logId, t - 1, TreeEdge.fullTiles(size, t) * Tile.WIDTH,
          width);
      List<byte[]> roots = new ArrayList<>();
      below.forEach(tile -> roots.add(tileRoot(tile.hashes())));
      partial.add(roots);
    }
    try {
      return Optional.of(TreeEdge.of(size, partial, chainHash));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // tiles or entries missing: integrate from the first entry
    }
  }

  /**
   * The chain hash of the last entry integrated, which the tree checked follows the chain
   * from the newest signed checkpoint (or the first entry).
   */
  public byte[] chainHash() throws TreeMismatchException {
    requireIntact();
    return edge.chainHash().clone();
  }

  /**
   * The root hash of the tree of {@code size} leaves.
   *
   * @throws IllegalArgumentException if the tree has not integrated that many
   */
  public byte[] root(long size) throws StoreException, TreeMismatchException {
    requireIntact();
    return root(readable(size), size);
  }

  private byte[] root(TreeEdge at, long size) {
    try {
      return Merkle.rootFromFrontier(size, Merkle.leftFrontier(size, reader(at)), List.of());
    } catch (IOException e) {
      throw new IllegalStateException("the edge holds a frontier's nodes", e);
    }
  }

  /** The RFC 9162 inclusion proof of leaf {@code index} in the tree of {@code size} leaves. */
  public List<byte[]> inclusionProof(long index, long size)
      throws StoreException, TreeMismatchException {
    requireIntact();
    return read(() -> Merkle.inclusionProof(index, size, reader(readable(size))));
  }

  /** The RFC 9162 consistency proof from the tree of {@code oldSize} to that of {@code newSize}. */
  public List<byte[]> consistencyProof(long oldSize, long newSize)
      throws StoreException, TreeMismatchException {
    requireIntact();
    return read(() -> Merkle.consistencyProof(oldSize, newSize, reader(readable(newSize))));
  }

  /** The perfect subtrees that make up the first {@code size} leaves, largest first. */
  public List<byte[]> leftFrontier(long size) throws StoreException, TreeMismatchException {
    requireIntact();
    return read(() -> Merkle.leftFrontier(size, reader(readable(size))));
  }

  /**
   * The first {@code width} hashes of the tile at ({@code level}, {@code index}) as
   * c2sp.org/tlog-tiles serves it, if the tree has that many: from the stored full tile or
   * the edge.
   */
  public Optional<byte[]> tile(int level, long index, int width)
      throws StoreException, TreeMismatchException {
    requireIntact();
    TreeEdge at = edge;
    if (level < 0 || level >= TreeEdge.LEVELS || index < 0 || width < 1
        || width > Tile.WIDTH) {
      return Optional.empty();
    }
    if (index < TreeEdge.fullTiles(at.size(), level)) {
      return Optional.of(Arrays.copyOf(fullTile(level, index), width * Tile.HASH_BYTES));
    }
    if (index > TreeEdge.fullTiles(at.size(), level) || width > at.partialWidth(level)) {
      return Optional.empty();
    }
    byte[] bytes = new byte[width * Tile.HASH_BYTES];
    for (int i = 0; i < width; i++) {
      System.arraycopy(at.partial(level, i), 0, bytes, i * Tile.HASH_BYTES, Tile.HASH_BYTES);
    }
    return Optional.of(bytes);
  }

  /** Throws if the tree found a mismatch: nothing is signed or proved from it after that. */
  public void requireIntact() throws TreeMismatchException {
    String why = broken;
    if (why != null) {
      throw new TreeMismatchException(why, null);
    }
  }

  private TreeMismatchException breaks(String why, Throwable cause) {
    broken = why;
    log.error("TAMPERING DETECTED in the Merkle tree of log '{}': {}", logId, why);
    return new TreeMismatchException(why, cause);
  }

  private TreeEdge readable(long size) {
    TreeEdge at = edge;
    if (size < 0 || size > at.size()) {
      throw new IllegalArgumentException("tree size must be 0.." + at.size()
          + " (integrated so far), got " + size);
    }
    return at;
  }

  /** Every node of the trees up to the size of {@code at}, from its edge and the full tiles. */
  private NodeReader reader(TreeEdge at) {
    return (height, index) -> {
      int level = height / 8;
      int below = height % 8;
      long first = index << below;
      int n = 1 << below;
      long tile = first / Tile.WIDTH;
      int offset = (int) (first % Tile.WIDTH);
      byte[][] hashes = new byte[n][];
      if (tile < TreeEdge.fullTiles(at.size(), level)) {
        byte[] full = fullTileUnchecked(level, tile);
        for (int i = 0; i < n; i++) {
          hashes[i] = Arrays.copyOfRange(full, (offset + i) * Tile.HASH_BYTES,
              (offset + i + 1) * Tile.HASH_BYTES);
        }
      } else {
        for (int i = 0; i < n; i++) {
          hashes[i] = at.partial(level, offset + i);
        }
      }
      return TreeEdge.fold(hashes, 0, n);
    };
  }

  private byte[] fullTileUnchecked(int level, long index) throws IOException {
    try {
      return fullTile(level, index);
    } catch (StoreException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private byte[] fullTile(int level, long index) throws StoreException {
    String key = key(level, index);
    synchronized (cache) {
      byte[] cached = cache.get(key);
      if (cached != null) {
        return cached;
      }
    }
    List<Tile> found = store.tiles(logId, level, index, 1);
    if (found.isEmpty()) {
      throw new StoreException("log '" + logId + "' lacks the full Merkle tile at level "
          + level + " index " + index, false, null);
    }
    synchronized (cache) {
      cache.put(key, found.get(0).hashes());
    }
    return found.get(0).hashes();
  }

  private interface ProofRead<T> {
    T read() throws IOException;
  }

  private static <T> T read(ProofRead<T> proof) throws StoreException {
    try {
      return proof.read();
    } catch (IOException e) {
      if (e.getCause() instanceof StoreException s) {
        throw s;
      }
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] tileRoot(byte[] hashes) {
    byte[][] split = new byte[Tile.WIDTH][];
    for (int i = 0; i < Tile.WIDTH; i++) {
      split[i] = Arrays.copyOfRange(hashes, i * Tile.HASH_BYTES, (i + 1) * Tile.HASH_BYTES);
    }
    return TreeEdge.fold(split, 0, Tile.WIDTH);
  }

  private static String key(int level, long index) {
    return level + "/" + index;
  }
}
