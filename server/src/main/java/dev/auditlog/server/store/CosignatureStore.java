package dev.auditlog.server.store;

import java.util.List;
import java.util.Optional;

/**
 * The witness cosignatures the server received for its logs' checkpoints, stored once and
 * never changed. A store does not check them: whoever may insert rows may insert lines, so
 * readers verify each with the witness's key. Thread-safe; each method may block on I/O.
 */
public interface CosignatureStore {

  /** Stores cosignatures of {@code logId}'s checkpoint notes. */
  void insert(String logId, List<Cosignature> cosignatures) throws StoreException;

  /** The cosignatures stored for the note of {@code logId}'s tree of that size and root. */
  List<Cosignature> of(String logId, long treeSize, byte[] merkleRoot) throws StoreException;

  /** The largest tree size of {@code logId} that {@code witness} cosigned, if any. */
  Optional<Long> latestSize(String logId, String witness) throws StoreException;
}
