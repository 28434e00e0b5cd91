package dev.auditlog.integrity;

import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the lines of an export file, format {@code audit-export} (see {@code
 * docs/export-format.md}): JSON lines, each one object with a {@code type} member, written
 * in RFC 8785 canonical form. A header line, then one line per entry in {@code seq} order,
 * then the checkpoint that covers the last entry. Lines carry no trailing newline; the
 * caller separates them with {@code \n}. All methods are static and thread-safe.
 *
 * <p>Two versions. {@linkplain #VERSION_1 Version 1} has the hash chain only. {@linkplain
 * #VERSION_2 Version 2}, what the client writes since logs have a Merkle tree, adds {@code
 * left_frontier} to the header (always, possibly empty) and {@code tree_size}, {@code
 * merkle_root} and {@code note} to the checkpoint line when the checkpoint has a Merkle
 * root. A version-1 verifier requires exactly the members of version 1, so it refuses a
 * version-2 file by its version instead of misreading it.
 */
public final class ExportFormat {
  /** The {@code format} member of the header line. */
  public static final String FORMAT = "audit-export";
  /** The version of files with the hash chain only. */
  public static final int VERSION_1 = 1;
  /** The version of files that carry the Merkle tree beside the chain. */
  public static final int VERSION_2 = 2;

  private static final HexFormat HEX = HexFormat.of();

  private ExportFormat() {}

  /**
   * The first line of a version-1 file.
   *
   * @param fromSeq the first entry's seq
   * @param toSeq the last entry's seq, the checkpoint's seq ({@code fromSeq - 1} for none)
   * @param prevChainHash the chain hash of entry {@code fromSeq - 1}: the genesis value for
   *     an export from seq 1
   */
  public static String headerLine(String logId, long fromSeq, long toSeq, String prevChainHash) {
    Map<String, Object> members = header(VERSION_1, logId, fromSeq, toSeq, prevChainHash);
    return new CanonicalJson().object(members).toString();
  }

  /**
   * The first line of a version-2 file: the version-1 members, and {@code left_frontier},
   * the hashes of the perfect subtrees of the Merkle tree that make up entries 1..{@code
   * fromSeq - 1}, largest first, as lowercase hex (empty when the checkpoint has no root).
   *
   * @throws IllegalArgumentException if a frontier hash is not 32 bytes
   */
  public static String headerLine(String logId, long fromSeq, long toSeq, String prevChainHash,
      List<byte[]> leftFrontier) {
    Map<String, Object> members = header(VERSION_2, logId, fromSeq, toSeq, prevChainHash);
    // CanonicalJson writes no arrays; hex strings need no escaping, so the array is written
    // here and spliced in at its place in the sorted order: after from_seq, before log_id.
    Map<String, Object> before = new LinkedHashMap<>();
    before.put("format", members.remove("format"));
    before.put("from_seq", members.remove("from_seq"));
    String head = new CanonicalJson().object(before).toString();
    String tail = new CanonicalJson().object(members).toString();
    return head.substring(0, head.length() - 1) + ",\"left_frontier\":" + hexArray(leftFrontier)
        + "," + tail.substring(1);
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
   * The last line, for a checkpoint without a Merkle root (both versions).
   *
   * @param keyId the signing key's id (see {@link Ed25519Keys#keyId})
   * @param signature the 64-byte Ed25519 signature, written in standard base64
   * @throws IllegalArgumentException if the checkpoint has a Merkle root: its line needs the
   *     note too
   */
  public static String checkpointLine(CheckpointPayload checkpoint, String keyId,
      byte[] signature) {
    return checkpointLine(checkpoint, keyId, signature, null);
  }

  /**
   * The last line. For a checkpoint with a Merkle root (version 2 only) it carries {@code
   * tree_size}, {@code merkle_root} and {@code note}, the checkpoint as a C2SP signed note.
   *
   * @param keyId the signing key's id (see {@link Ed25519Keys#keyId})
   * @param signature the 64-byte Ed25519 signature, written in standard base64
   * @param note the signed note, with any cosignatures; null exactly when the checkpoint has
   *     no Merkle root
   * @throws IllegalArgumentException if {@code note} is null for a checkpoint with a root or
   *     given for one without
   */
  public static String checkpointLine(CheckpointPayload checkpoint, String keyId,
      byte[] signature, String note) {
    boolean tree = checkpoint.merkleRoot() != null;
    if (tree != (note != null)) {
      throw new IllegalArgumentException(tree
          ? "a checkpoint with a Merkle root is written with its note"
          : "a checkpoint without a Merkle root has no note");
    }
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("type", "checkpoint");
    members.put("log_id", checkpoint.logId());
    members.put("seq", checkpoint.seq());
    members.put("chain_hash", checkpoint.chainHash());
    members.put("recorded_at", checkpoint.recordedAt());
    members.put("key_id", keyId);
    members.put("signature", Base64.getEncoder().encodeToString(signature));
    if (tree) {
      members.put("tree_size", checkpoint.treeSize());
      members.put("merkle_root", checkpoint.merkleRoot());
      members.put("note", note);
    }
    return new CanonicalJson().object(members).toString();
  }

  private static Map<String, Object> header(int version, String logId, long fromSeq,
      long toSeq, String prevChainHash) {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("type", "header");
    members.put("format", FORMAT);
    members.put("version", version);
    members.put("log_id", logId);
    members.put("from_seq", fromSeq);
    members.put("to_seq", toSeq);
    members.put("prev_chain_hash", prevChainHash);
    return members;
  }

  private static String hexArray(List<byte[]> hashes) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < hashes.size(); i++) {
      byte[] h = hashes.get(i);
      if (h == null || h.length != 32) {
        throw new IllegalArgumentException("left_frontier[" + i + "] must be a 32-byte hash, got "
            + (h == null ? "null" : h.length + " bytes"));
      }
      b.append(i == 0 ? "\"" : ",\"").append(HEX.formatHex(h)).append('"');
    }
    return b.append(']').toString();
  }
}
