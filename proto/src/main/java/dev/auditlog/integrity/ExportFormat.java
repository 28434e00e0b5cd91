package dev.auditlog.integrity;

import java.util.Base64;
import java.util.Map;

/**
 * Writes the lines of an export file, format {@code audit-export} version 1 (see {@code
 * docs/export-format.md}): JSON lines, each one object with a {@code type} member, written
 * in RFC 8785 canonical form. A header line, then one line per entry in {@code seq} order,
 * then the checkpoint that covers the last entry. Lines carry no trailing newline; the
 * caller separates them with {@code \n}. All methods are static and thread-safe.
 */
public final class ExportFormat {
  /** The {@code format} member of the header line. */
  public static final String FORMAT = "audit-export";
  /** The {@code version} member of the header line. */
  public static final int VERSION = 1;

  private ExportFormat() {}

  /**
   * The first line.
   *
   * @param fromSeq the first entry's seq
   * @param toSeq the last entry's seq, the checkpoint's seq ({@code fromSeq - 1} for none)
   * @param prevChainHash the chain hash of entry {@code fromSeq - 1}: the genesis value for
   *     an export from seq 1
   */
  public static String headerLine(String logId, long fromSeq, long toSeq, String prevChainHash) {
    return new CanonicalJson().object(Map.of(
        "type", "header",
        "format", FORMAT,
        "version", VERSION,
        "log_id", logId,
        "from_seq", fromSeq,
        "to_seq", toSeq,
        "prev_chain_hash", prevChainHash)).toString();
  }

  /** An entry line: every hashed field, and the stored entry and chain hashes. */
  public static String entryLine(EntryFields fields, String entryHash, String chainHash) {
    Map<String, Object> members = fields.members();
    members.put("type", "entry");
    members.put("entry_hash", entryHash);
    members.put("chain_hash", chainHash);
    return new CanonicalJson().object(members).toString();
  }

  /**
   * The last line: the signed checkpoint.
   *
   * @param keyId the signing key's id (see {@link Ed25519Keys#keyId})
   * @param signature the 64-byte Ed25519 signature, written in standard base64
   */
  public static String checkpointLine(CheckpointPayload checkpoint, String keyId,
      byte[] signature) {
    return new CanonicalJson().object(Map.of(
        "type", "checkpoint",
        "log_id", checkpoint.logId(),
        "seq", checkpoint.seq(),
        "chain_hash", checkpoint.chainHash(),
        "recorded_at", checkpoint.recordedAt(),
        "key_id", keyId,
        "signature", Base64.getEncoder().encodeToString(signature))).toString();
  }
}
