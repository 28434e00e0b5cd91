package dev.auditlog.server.store;

import java.util.List;

/**
 * Where the logs' Merkle trees live (docs/merkle-tree.md): the leaves are the entries'
 * hashes, read from the entries; the full tiles above them are stored once and never
 * change. The partial tiles at the right edge are not stored. Implementations are
 * thread-safe; each method may block on I/O.
 */
public interface TileStore {

  /**
   * The entry and chain hashes of {@code logId} from seq {@code afterSeq + 1} on, in seq
   * order, at most {@code limit}: fewer when the log ends.
   */
  List<Leaf> leaves(String logId, long afterSeq, int limit) throws StoreException;

  /**
   * The stored full tiles of {@code logId} at {@code level} with indexes {@code fromIndex}
   * to {@code fromIndex + count - 1}, in index order, stopping before the first that is
   * not stored.
   */
  List<Tile> tiles(String logId, int level, long fromIndex, int count) throws StoreException;

  /**
   * Stores full tiles, in one transaction; a tile stored already is left as it is if it is
   * the same.
   *
   * @throws TileConflictException if a stored tile differs from the one given, or the
   *     store refuses a tile as not matching the entries or tiles below it; nothing is
   *     stored
   */
  void insertTiles(String logId, List<Tile> tiles) throws StoreException;
}
