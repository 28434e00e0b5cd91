package dev.auditlog.integrity.tlog;

import java.io.IOException;

/**
 * Reads stored hashes of a log's Merkle tree. Only perfect subtrees are ever asked for: the
 * node at {@code level} and {@code index} is the root of the complete subtree of {@code
 * 2^level} leaves {@code [index << level, (index + 1) << level)}, so level 0 is the leaf
 * hashes and such nodes never change once the log has grown past them. The hashes of
 * the tree's imperfect right edge are never stored; {@link Merkle} computes them from these.
 *
 * <p>{@link Merkle} asks only for nodes that lie entirely inside the tree size it was
 * given, one at a time, on the thread that called it.
 */
@FunctionalInterface
public interface NodeReader {
  /**
   * The 32-byte hash of the perfect subtree at {@code level} and {@code index}.
   *
   * @throws IOException if the hash cannot be read
   */
  byte[] node(int level, long index) throws IOException;
}
