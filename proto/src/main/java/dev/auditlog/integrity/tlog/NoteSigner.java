package dev.auditlog.integrity.tlog;

import dev.auditlog.integrity.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;

/**
 * Signs notes with an Ed25519 key under a key name (c2sp.org/signed-note, signature type
 * {@code 0x01}): the signature is Ed25519 over the UTF-8 note text, and the key id is the
 * first four bytes of {@code SHA-256(name || 0x0A || 0x01 || 32-byte public key)}. A log
 * signs its checkpoints with one, named after its origin; {@link #verifierKey()} is what
 * its verifiers are configured with. Immutable and thread-safe.
 */
public final class NoteSigner {
  private static final String SIGNER_PREFIX = "PRIVATE+KEY+";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final VerifierKey key;

  /**
   * A signer for {@code name} with an Ed25519 private key.
   *
   * @throws IllegalArgumentException if the name is not a key name (non-empty, no spaces,
   *     no {@code +}) or the key is not an Ed25519 private key
   */
  public NoteSigner(String name, PrivateKey privateKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKeyOf(privateKey);
    this.key = VerifierKey.of(name, VerifierKey.ED25519, Ed25519Keys.rawPublicKey(publicKey));
  }

  /**
   * A signer from a Go signer key, {@code PRIVATE+KEY+<name>+<key id>+<base64(0x01 ||
   * 32-byte seed)>} as {@code note.GenerateKey} writes it. The text is a secret.
   *
   * @throws IllegalArgumentException if it is malformed or its key id does not match
   */
  public static NoteSigner fromSignerKey(String skey) {
    if (skey == null || !skey.startsWith(SIGNER_PREFIX)) {
      throw new IllegalArgumentException("a signer key starts with '" + SIGNER_PREFIX + "'");
    }
    // The seed parses like a verifier key's key, then the id is checked against the public key.
    String rest = skey.substring(SIGNER_PREFIX.length());
    int plus = rest.indexOf('+');
    int plus2 = plus < 0 ? -1 : rest.indexOf('+', plus + 1);
    if (plus2 < 0) {
      throw new IllegalArgumentException("signer key is not PRIVATE+KEY+<name>+<id>+<key>");
    }
    byte[] typed = VerifierKey.decodeBase64(rest.substring(plus2 + 1), "signer key's key");
    if (typed.length != 33 || typed[0] != VerifierKey.ED25519) {
      throw new IllegalArgumentException("signer key's key is not 0x01 and a 32-byte seed");
    }
    NoteSigner signer;
    try {
      PrivateKey key = Ed25519Keys.privateKeyFromSeed(Arrays.copyOfRange(typed, 1, 33));
      signer = new NoteSigner(rest.substring(0, plus), key);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("signer key's seed is not an Ed25519 key", e);
    }
    String id = rest.substring(plus + 1, plus2);
    if (!id.equalsIgnoreCase(VerifierKey.hex(signer.keyId()))) {
      throw new IllegalArgumentException("key id '" + id + "' in the signer key does not match"
          + " its name and key, which give " + VerifierKey.hex(signer.keyId()));
    }
    return signer;
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

  /** The verifier key: {@code <name>+<8 hex digits key id>+<base64(0x01 || public key)>}. */
  public String verifierKey() {
    return key.format();
  }

  /**
   * This key's signature of {@code text}.
   *
   * @throws IllegalArgumentException if {@code text} cannot be a note's text (see {@link
   *     Note#checkText})
   */
  public Note.Signature signature(String text) {
    Note.checkText(text);
    return new Note.Signature(name(), keyId(), ed25519(privateKey, text));
  }

  /**
   * The signed note of {@code text} with this key's signature alone.
   *
   * @throws IllegalArgumentException if {@code text} cannot be a note's text
   */
  public String sign(String text) {
    return new Note(text, List.of(signature(text))).format();
  }

  /** {@code note} with this key's signature added (replacing an older one by this key). */
  public Note sign(Note note) {
    return note.withSignature(signature(note.text()));
  }

  static byte[] ed25519(PrivateKey key, String message) {
    try {
      return Ed25519Keys.sign(key, message.getBytes(StandardCharsets.UTF_8));
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("the checked Ed25519 key refused to sign", e);
    }
  }

  static PublicKey publicKeyOf(PrivateKey privateKey) {
    if (privateKey == null) {
      throw new IllegalArgumentException("private key is null");
    }
    try {
      return Ed25519Keys.publicKey(privateKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "not an Ed25519 private key: " + privateKey.getAlgorithm(), e);
    }
  }
}
