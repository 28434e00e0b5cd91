package dev.auditlog.client.verify;

import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryFields;

/** One parsed line of an export file (docs/export-format.md). */
sealed interface ExportLine {

  /** The first line: the range and the chain hash before it. */
  record Header(String logId, long fromSeq, long toSeq, String prevChainHash)
      implements ExportLine {}

  /** An entry with its stored hashes. */
  record EntryLine(EntryFields fields, String entryHash, String chainHash) implements ExportLine {
    long seq() {
      return fields.seq();
    }
  }

  /** The last line: the signed checkpoint. */
  record CheckpointLine(CheckpointPayload payload, String keyId, byte[] signature)
      implements ExportLine {}
}
