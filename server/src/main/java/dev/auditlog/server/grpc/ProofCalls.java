package dev.auditlog.server.grpc;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetConsistencyProofResponse;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.GetInclusionProofResponse;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.InconsistentLogException;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.tree.LogTree;
import dev.auditlog.server.tree.TreeMismatchException;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.Optional;

/**
 * Inclusion and consistency proofs of the log's Merkle tree (docs/merkle-tree.md), against
 * the tree sizes of signed checkpoints: a proof is worth something only with a signed root
 * to check it against, so sizes beyond the newest checkpoint are OUT_OF_RANGE. Requests are
 * validated before; these calls block on the store. Thread-safe.
 */
final class ProofCalls {
  private final AuditStore store;
  private final String logId;
  private final Checkpointer checkpointer;

  ProofCalls(AuditStore store, String logId, Checkpointer checkpointer) {
    this.store = store;
    this.logId = logId;
    this.checkpointer = checkpointer;
  }

  GetInclusionProofResponse inclusion(GetInclusionProofRequest r) throws StatusException,
      StoreException, InconsistentLogException, TreeMismatchException {
    Entry entry = entry(r);
    long seq = entry.getSeq();
    Optional<Checkpoint> checkpoint;
    long size;
    if (r.getTreeSize() == 0) {
      checkpoint = checkpointer.coveringTree(seq);
      if (checkpoint.isEmpty()) {
        checkpoint = Optional.of(checkpointer.fresh());
      }
      size = checkpoint.get().getTreeSize();
    } else {
      size = r.getTreeSize();
      if (size < seq) {
        throw Status.INVALID_ARGUMENT.withDescription("tree_size: must be at least the entry's"
            + " seq " + seq + ", got " + size).asException();
      }
      checkpoint = signedAt(size, "tree_size");
    }
    List<byte[]> proof = tree(size).inclusionProof(seq - 1, size);
    GetInclusionProofResponse.Builder b = GetInclusionProofResponse.newBuilder()
        .setEntry(entry).setLeafIndex(seq - 1).setTreeSize(size);
    proof.forEach(h -> b.addHashes(ByteString.copyFrom(h)));
    checkpoint.ifPresent(b::setCheckpoint);
    return b.build();
  }

  GetConsistencyProofResponse consistency(GetConsistencyProofRequest r)
      throws StatusException, StoreException, TreeMismatchException {
    Optional<Checkpoint> newCheckpoint;
    long newSize;
    if (r.getNewSize() == 0) {
      newCheckpoint = checkpointer.latestTree();
      newSize = newCheckpoint.map(Checkpoint::getTreeSize).orElseThrow(() ->
          Status.OUT_OF_RANGE.withDescription("new_size: no checkpoint with a Merkle root yet;"
              + " ask for a fresh checkpoint first").asException());
    } else {
      newSize = r.getNewSize();
      newCheckpoint = signedAt(newSize, "new_size");
    }
    if (r.getOldSize() > newSize) {
      throw Status.OUT_OF_RANGE.withDescription("old_size: " + r.getOldSize() + " is beyond"
          + " the newest checkpoint's tree, size " + newSize).asException();
    }
    Optional<Checkpoint> oldCheckpoint = signedAt(r.getOldSize(), "old_size");
    List<byte[]> proof = tree(newSize).consistencyProof(r.getOldSize(), newSize);
    GetConsistencyProofResponse.Builder b =
        GetConsistencyProofResponse.newBuilder().setNewSize(newSize);
    proof.forEach(h -> b.addHashes(ByteString.copyFrom(h)));
    oldCheckpoint.ifPresent(b::setOldCheckpoint);
    newCheckpoint.ifPresent(b::setNewCheckpoint);
    return b.build();
  }

  private Entry entry(GetInclusionProofRequest r) throws StoreException, StatusException {
    if (r.getEntryCase() == GetInclusionProofRequest.EntryCase.EVENT_ID) {
      return store.entryByEventId(logId, r.getEventId()).orElseThrow(() -> Status.NOT_FOUND
          .withDescription("event_id: the log holds no event " + r.getEventId())
          .asException());
    }
    List<Entry> found = store.entries(logId, r.getSeq() - 1, r.getSeq(), 1);
    long archived = found.isEmpty() ? store.archivedUpTo(logId) : 0;
    if (r.getSeq() <= archived) {
      throw Status.FAILED_PRECONDITION.withDescription("seq: entry " + r.getSeq() + " of log '"
          + logId + "' was archived out of the store with entries 1.." + archived + "; its"
          + " archive file verifies it against the archive's signed checkpoint").asException();
    }
    if (found.isEmpty()) {
      throw Status.NOT_FOUND.withDescription("seq: the log holds no entry " + r.getSeq())
          .asException();
    }
    return found.get(0);
  }

  /**
   * The trusted checkpoint of exactly {@code size}, if one is stored; OUT_OF_RANGE if the
   * size is beyond the newest checkpoint's tree.
   */
  private Optional<Checkpoint> signedAt(long size, String field)
      throws StoreException, StatusException {
    Optional<Checkpoint> covering = checkpointer.coveringTree(size);
    if (covering.isEmpty()) {
      throw Status.OUT_OF_RANGE.withDescription(field + ": " + size + " is beyond the newest"
          + " checkpoint's tree; ask for a fresh checkpoint first").asException();
    }
    return covering.filter(c -> c.getTreeSize() == size);
  }

  /** The tree, integrated at least up to {@code size}. */
  private LogTree tree(long size) throws StoreException, TreeMismatchException {
    LogTree tree = checkpointer.tree();
    if (tree.size() < size && tree.integrate() < size) {
      throw new StoreException("log '" + logId + "': the Merkle tree reached " + tree.size()
          + " entries, not " + size, true, null);
    }
    return tree;
  }
}
