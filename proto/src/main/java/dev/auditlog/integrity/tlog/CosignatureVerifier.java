package dev.auditlog.integrity.tlog;

import dev.auditlog.integrity.Ed25519Keys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * Verifies timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature, signature type
 * {@code 0x04}) by one cosigner, known by its verifier key {@code <name>+<key id>+<base64(0x04
 * || 32-byte public key)>}. See {@link CosignatureSigner} for the format.
 *
 * <p>As with {@link NoteVerifier}, lines from other keys are ignored and any line claiming
 * this cosigner's name and id must verify. Whether a timestamp is acceptably recent is the
 * caller's policy. Immutable and thread-safe.
 */
public final class CosignatureVerifier {
  private static final int SIGNATURE_BYTES = 8 + 64;

  private final VerifierKey key;
  private final PublicKey publicKey;

  /**
   * A verifier for cosigner {@code name}'s Ed25519 public key.
   *
   * @throws IllegalArgumentException if the name is not a key name or the key not Ed25519
   */
  public CosignatureVerifier(String name, PublicKey publicKey) {
    this.key = VerifierKey.of(name, VerifierKey.COSIGNATURE_ED25519,
        Ed25519Keys.rawPublicKey(publicKey));
    this.publicKey = publicKey;
  }

  /**
   * Parses a cosigner's verifier key, checking its key id.
   *
   * @throws IllegalArgumentException naming what is wrong, including a signature type other
   *     than {@code 0x04}
   */
  public static CosignatureVerifier parse(String vkey) {
    VerifierKey k = VerifierKey.parse(vkey);
    if (k.type() != VerifierKey.COSIGNATURE_ED25519) {
      throw new IllegalArgumentException("verifier key '" + vkey + "' has signature type "
          + String.format("0x%02x", k.type()) + ", not 0x04 (Ed25519 cosignature)");
    }
    return new CosignatureVerifier(k.name(), NoteVerifier.rawKey(k, vkey));
  }

  /** The cosigner name. */
  public String name() {
    return key.name();
  }

  /** The 32-bit key id. */
  public int keyId() {
    return key.keyId();
  }

  /** The verifier key text. */
  public String verifierKey() {
    return key.format();
  }

  /**
   * The timestamp of this cosigner's cosignature of {@code note} (the latest, if it carries
   * several), or empty if it carries none or any line claiming this cosigner is bad.
   */
  public OptionalLong timestamp(Note note) {
    OptionalLong latest = OptionalLong.empty();
    for (Note.Signature s : note.signatures()) {
      if (s.keyName().equals(name()) && s.keyId() == keyId()) {
        long t = verifiedTime(note.text(), s.signature());
        if (t < 0) {
          return OptionalLong.empty();
        }
        latest = OptionalLong.of(Math.max(t, latest.orElse(0)));
      }
    }
    return latest;
  }

  /** Whether this cosigner cosigned {@code note}, and no line claiming it is bad. */
  public boolean verifies(Note note) {
    return timestamp(note).isPresent();
  }

  /** The timestamp if the bytes are a valid cosignature of the text, else -1. */
  private long verifiedTime(String text, byte[] bytes) {
    if (bytes.length != SIGNATURE_BYTES) {
      return -1;
    }
    long timestamp = ByteBuffer.wrap(bytes).getLong();
    if (timestamp < 0) {
      return -1; // above 2^63 - 1, which the spec forbids
    }
    byte[] message = CosignatureSigner.signedMessage(text, timestamp)
        .getBytes(StandardCharsets.UTF_8);
    return Ed25519Keys.verify(publicKey, message, Arrays.copyOfRange(bytes, 8, bytes.length))
        ? timestamp : -1;
  }

  @Override
  public String toString() {
    return verifierKey();
  }
}
