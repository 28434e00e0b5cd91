package dev.auditlog.integrity.tlog;

import dev.auditlog.integrity.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;

/**
 * Verifies Ed25519 note signatures (c2sp.org/signed-note, signature type {@code 0x01}) by
 * one key, known by its verifier key {@code <name>+<8 hex digits key id>+<base64(0x01 ||
 * 32-byte public key)>}, the form Go's {@code note.NewVerifier} reads.
 *
 * <p>{@link #verifies} follows the spec: lines from other keys (another name or key id)
 * are ignored; the note is accepted if this key signed it, and refused if any line that
 * claims this key's name and id does not verify. Go's {@code note.Open} checks only the
 * first of several such lines; this refuses a note where a later one is bad. Immutable and
 * thread-safe.
 */
public final class NoteVerifier {
  private final VerifierKey key;
  private final PublicKey publicKey;

  /**
   * A verifier for {@code name}'s Ed25519 public key.
   *
   * @throws IllegalArgumentException if the name is not a key name or the key not Ed25519
   */
  public NoteVerifier(String name, PublicKey publicKey) {
    this.key = VerifierKey.of(name, VerifierKey.ED25519, Ed25519Keys.rawPublicKey(publicKey));
    this.publicKey = publicKey;
  }

  /**
   * Parses a verifier key, checking its key id.
   *
   * @throws IllegalArgumentException naming what is wrong: the layout, the key id, a
   *     signature type other than {@code 0x01}, a key that is not 32 bytes
   */
  public static NoteVerifier parse(String vkey) {
    VerifierKey k = VerifierKey.parse(vkey);
    if (k.type() != VerifierKey.ED25519) {
      throw new IllegalArgumentException("verifier key '" + vkey + "' has signature type "
          + String.format("0x%02x", k.type()) + ", not 0x01 (Ed25519)");
    }
    return new NoteVerifier(k.name(), rawKey(k, vkey));
  }

  /** The key name. */
  public String name() {
    return key.name();
  }

  /** The 32-bit key id. */
  public int keyId() {
    return key.keyId();
  }

  /** The public key. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The verifier key text. */
  public String verifierKey() {
    return key.format();
  }

  /** Whether this key signed {@code note}'s text, and no line claiming this key is bad. */
  public boolean verifies(Note note) {
    byte[] text = note.text().getBytes(StandardCharsets.UTF_8);
    boolean signed = false;
    for (Note.Signature s : note.signatures()) {
      if (s.keyName().equals(name()) && s.keyId() == keyId()) {
        if (!Ed25519Keys.verify(publicKey, text, s.signature())) {
          return false;
        }
        signed = true;
      }
    }
    return signed;
  }

  static PublicKey rawKey(VerifierKey k, String vkey) {
    try {
      return Ed25519Keys.publicKeyFromRaw(k.key());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "verifier key '" + vkey + "' does not hold a 32-byte Ed25519 key", e);
    }
  }

  @Override
  public String toString() {
    return verifierKey();
  }
}
