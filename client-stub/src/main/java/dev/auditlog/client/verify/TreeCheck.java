package dev.auditlog.client.verify;

import dev.auditlog.client.verify.ExportLine.CheckpointLine;
import dev.auditlog.client.verify.ExportLine.Header;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import dev.auditlog.integrity.tlog.TreeFrontier;
import java.security.PublicKey;
import java.util.HexFormat;

/**
 * The Merkle tree side of verifying an export (docs/export-format.md section 3), kept apart
 * from the chain so that neither ever stands in for the other: folds the leaf hash of every
 * entry, from the entry hash recomputed from its fields, onto the header's left frontier;
 * at the checkpoint, compares the root with the signed {@code merkle_root}, and checks that
 * the checkpoint's note states the same log, tree size and root and is signed by the trusted
 * key (and the verifier key, if one is expected).
 *
 * <p>Holds one hash per level of the tree: constant memory. Not thread-safe.
 */
final class TreeCheck {
  private static final HexFormat HEX = HexFormat.of();

  private final Header header;
  private final TreeFrontier tree; // null when the frontier does not fit from_seq - 1

  TreeCheck(Header header) {
    this.header = header;
    long before = header.fromSeq() - 1;
    this.tree = header.leftFrontier().size() == Long.bitCount(before)
        ? TreeFrontier.of(before, header.leftFrontier()) : null;
  }

  /** A problem the tree check found, at {@code seq}. */
  record Finding(Problem problem, long seq, String message) {}

  /**
   * Why the header's frontier fits neither a checkpoint with a root (one hash per bit set in
   * {@code from_seq - 1}) nor one without (no hash); null if it fits one.
   */
  String frontierProblem() {
    int has = header.leftFrontier().size();
    int wants = Long.bitCount(header.fromSeq() - 1);
    return has == 0 || has == wants ? null : "left_frontier has " + has + " hashes, but the "
        + (header.fromSeq() - 1) + " entries before seq " + header.fromSeq() + " make "
        + wants + " perfect subtrees (one per bit set), or none without a Merkle root";
  }

  /** Whether the header has a frontier with which a signed root could place a range. */
  boolean mayPlaceRange() {
    return header.fromSeq() > 1 && !header.leftFrontier().isEmpty();
  }

  /** Adds the next entry's leaf; {@code entryHash} is the one recomputed from its fields. */
  void add(String entryHash) {
    if (tree != null) {
      tree.append(Merkle.leafHash(HEX.parseHex(entryHash)));
    }
  }

  /**
   * Checks the tree against the checkpoint, whose signature, chain and seq have been checked.
   *
   * @param key the trusted key, which signs the note too
   * @param verifierKey the verifier key the note must also verify with; null for none
   * @return the problem, or null if the tree and the note hold (or the checkpoint has no root
   *     and nothing expects one)
   */
  Finding check(CheckpointLine c, PublicKey key, NoteVerifier verifierKey) {
    long seq = c.payload().seq();
    if (c.note() == null) {
      if (!header.leftFrontier().isEmpty()) {
        return new Finding(Problem.FRONTIER_MALFORMED, header.fromSeq(), "the header has a"
            + " left_frontier, but the checkpoint has no Merkle root");
      }
      return verifierKey == null ? null : new Finding(Problem.NOTE_INVALID, seq, "the"
          + " checkpoint has no Merkle root, so no note to verify with the verifier key");
    }
    if (tree == null) {
      return new Finding(Problem.FRONTIER_MALFORMED, header.fromSeq(), "the checkpoint has a"
          + " Merkle root, but the header has no left_frontier for the "
          + (header.fromSeq() - 1) + " entries before seq " + header.fromSeq());
    }
    String root = HEX.formatHex(tree.root());
    if (!root.equals(c.payload().merkleRoot())) {
      return new Finding(Problem.MERKLE_ROOT_MISMATCH, seq, "the entries' leaf hashes on the"
          + " left frontier give the Merkle root " + root + ", the signed checkpoint's is "
          + c.payload().merkleRoot() + ": an entry or the frontier was changed");
    }
    String problem = noteProblem(c, key, verifierKey);
    return problem == null ? null : new Finding(Problem.NOTE_INVALID, seq, problem);
  }

  /** Why the note does not state the checkpoint's tree or is not signed; null if it holds. */
  private static String noteProblem(CheckpointLine c, PublicKey key, NoteVerifier verifierKey) {
    Note note;
    TlogCheckpoint body;
    try {
      note = Note.parse(c.note());
      body = TlogCheckpoint.parse(note.text());
    } catch (IllegalArgumentException e) {
      return "the note is not a signed checkpoint: " + e.getMessage();
    }
    String log = c.payload().logId();
    if (!body.origin().endsWith("/" + log)) {
      return "the note's origin '" + body.origin() + "' is not of log '" + log + "'";
    }
    if (body.size() != c.payload().treeSize()
        || !HEX.formatHex(body.rootHash()).equals(c.payload().merkleRoot())) {
      return "the note states tree size " + body.size() + " and root "
          + HEX.formatHex(body.rootHash()) + ", the signed checkpoint " + c.payload().treeSize()
          + " and " + c.payload().merkleRoot();
    }
    NoteVerifier byKey;
    try {
      byKey = new NoteVerifier(body.origin(), key);
    } catch (IllegalArgumentException e) {
      return "the note's origin '" + body.origin() + "' cannot name its key: " + e.getMessage();
    }
    if (!byKey.verifies(note)) {
      return "the note is not signed by key " + Ed25519Keys.keyId(key) + " under the name '"
          + body.origin() + "'";
    }
    if (verifierKey != null && !verifierKey.name().equals(body.origin())) {
      return "the note is of '" + body.origin() + "', the verifier key of '"
          + verifierKey.name() + "'";
    }
    if (verifierKey != null && !verifierKey.verifies(note)) {
      return "the note's signature does not verify with the verifier key " + name(verifierKey);
    }
    return null;
  }

  /** The verifier key's name and key id, for messages. */
  static String name(NoteVerifier v) {
    return v.name() + "+" + String.format("%08x", v.keyId());
  }
}
