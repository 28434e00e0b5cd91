package dev.auditlog.integrity.tlog;

import dev.auditlog.integrity.Ed25519Keys;
import java.nio.ByteBuffer;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * Makes timestamped Ed25519 cosignatures of checkpoints (c2sp.org/tlog-cosignature,
 * signature type {@code 0x04}), as a witness does: a cosignature states that as of its
 * timestamp the cosigner had seen no larger consistent tree of that log than the
 * checkpoint's.
 *
 * <p>The signed message is {@code "cosignature/v1\ntime <seconds>\n"} followed by the whole
 * checkpoint text; the signature line carries {@code key id (4) || timestamp (8, big-endian)
 * || Ed25519 signature (64)}; the key id is the first four bytes of {@code SHA-256(name ||
 * 0x0A || 0x04 || 32-byte public key)}. The message does not name the cosigner, so one key
 * must serve one cosigner name only. The time is passed in: this class reads no clock.
 * Immutable and thread-safe.
 */
public final class CosignatureSigner {
  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final VerifierKey key;

  /**
   * A cosigner named {@code name} with an Ed25519 private key.
   *
   * @throws IllegalArgumentException if the name is not a key name or the key not Ed25519
   */
  public CosignatureSigner(String name, PrivateKey privateKey) {
    this.privateKey = privateKey;
    this.publicKey = NoteSigner.publicKeyOf(privateKey);
    this.key = VerifierKey.of(name, VerifierKey.COSIGNATURE_ED25519,
        Ed25519Keys.rawPublicKey(publicKey));
  }

  /** The cosigner name. */
  public String name() {
    return key.name();
  }

  /** The 32-bit key id (of type {@code 0x04}). */
  public int keyId() {
    return key.keyId();
  }

  /** The public key. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The verifier key: {@code <name>+<key id>+<base64(0x04 || public key)>}. */
  public String verifierKey() {
    return key.format();
  }

  /**
   * The cosignature of a checkpoint's note text at {@code timestamp}.
   *
   * @param checkpointText the checkpoint note's whole text (origin, size, root hash, any
   *     extension lines), ending in a newline
   * @param timestamp seconds since the Unix epoch
   * @throws IllegalArgumentException if the timestamp is negative or the text cannot be a
   *     note's text
   */
  public Note.Signature signature(String checkpointText, long timestamp) {
    Note.checkText(checkpointText);
    byte[] sig = NoteSigner.ed25519(privateKey, signedMessage(checkpointText, timestamp));
    byte[] bytes = ByteBuffer.allocate(8 + sig.length).putLong(timestamp).put(sig).array();
    return new Note.Signature(name(), keyId(), bytes);
  }

  /** {@code checkpoint} with this cosignature at {@code timestamp} added. */
  public Note cosign(Note checkpoint, long timestamp) {
    return checkpoint.withSignature(signature(checkpoint.text(), timestamp));
  }

  /** What a cosignature signs: the header line, the time line and the checkpoint text. */
  static String signedMessage(String checkpointText, long timestamp) {
    if (timestamp < 0) {
      throw new IllegalArgumentException("timestamp must be >= 0, got " + timestamp);
    }
    return "cosignature/v1\ntime " + timestamp + "\n" + checkpointText;
  }
}
