package dev.auditlog.client.verify;

import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryFields;
import java.util.List;

/** One parsed line of an export file (docs/export-format.md). */
sealed interface ExportLine {

  /**
   * The first line: the range, the chain hash before it and, in version 2, the Merkle tree
   * before it.
   *
   * @param version 1 or 2
   * @param leftFrontier the perfect subtrees of entries 1..fromSeq - 1, largest first; empty
   *     in version 1 and when the checkpoint has no Merkle root
   */
  record Header(int version, String logId, long fromSeq, long toSeq, String prevChainHash,
      List<byte[]> leftFrontier) implements ExportLine {}

  /** An entry with its stored hashes. */
  record EntryLine(EntryFields fields, String entryHash, String chainHash) implements ExportLine {
    long seq() {
      return fields.seq();
    }
  }

  /**
   * The last line: the signed checkpoint.
   *
   * @param note the checkpoint as a signed note, exactly when the payload has a Merkle root;
   *     else null
   */
  record CheckpointLine(CheckpointPayload payload, String keyId, byte[] signature, String note)
      implements ExportLine {}
}
