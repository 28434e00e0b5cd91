package dev.auditlog.server.checkpoint;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteSigner;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.List;

/**
 * Checkpoints as C2SP signed notes (c2sp.org/tlog-checkpoint, c2sp.org/signed-note): the
 * body is the origin line, the tree size and the base64 root; the signature is the log's
 * Ed25519 key under the name of the origin. All methods are static and thread-safe.
 */
final class CheckpointNotes {
  private CheckpointNotes() {}

  /** The signed note of the tree of {@code size} leaves with root {@code root}. */
  static String sign(String origin, long size, byte[] root, KeyPair key) {
    return signer(origin, key).sign(new TlogCheckpoint(origin, size, root, List.of()).body());
  }

  /** The verifier key string ({@code name+hash+base64}) of the log's key for {@code origin}. */
  static String verifierKey(String origin, KeyPair key) {
    return signer(origin, key).verifierKey();
  }

  /**
   * Whether the note of {@code c} is signed by {@code key} under the name of its origin, and
   * states the checkpoint's tree size and root. False for a checkpoint without a root.
   */
  static boolean verifies(Checkpoint c, PublicKey key) {
    if (c.getMerkleRoot().isEmpty()) {
      return false;
    }
    try {
      Note note = Note.parse(c.getNote());
      TlogCheckpoint body = TlogCheckpoint.parse(note.text());
      return body.size() == c.getTreeSize()
          && HexFormat.of().formatHex(body.rootHash()).equals(c.getMerkleRoot())
          && new NoteVerifier(body.origin(), key).verifies(note);
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  private static NoteSigner signer(String origin, KeyPair key) {
    return new NoteSigner(origin, key.getPrivate());
  }
}
