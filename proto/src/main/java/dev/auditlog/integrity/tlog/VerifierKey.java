package dev.auditlog.integrity.tlog;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A signed-note verifier key, {@code <name>+<8 hex digits key id>+<base64(type || key)>}
 * (c2sp.org/signed-note, Go's {@code note.NewVerifier}), with the key id rule {@code
 * SHA-256(name || 0x0A || type || key)[:4]} big-endian. Immutable.
 */
record VerifierKey(String name, int keyId, byte type, byte[] key) {
  /** Signature type of plain Ed25519 note signatures. */
  static final byte ED25519 = 0x01;
  /** Signature type of timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature). */
  static final byte COSIGNATURE_ED25519 = 0x04;

  private static final Pattern HEX8 = Pattern.compile("[0-9a-fA-F]{8}");

  VerifierKey {
    checkName(name);
    key = key.clone();
  }

  /** The key of {@code name} and {@code key} for signatures of {@code type}. */
  static VerifierKey of(String name, byte type, byte[] key) {
    return new VerifierKey(name, keyId(name, type, key), type, key);
  }

  /**
   * Parses {@code vkey}, checking that its key id is the one its name and key give.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static VerifierKey parse(String vkey) {
    if (vkey == null) {
      throw new IllegalArgumentException("verifier key is null");
    }
    int plus1 = vkey.indexOf('+');
    int plus2 = plus1 < 0 ? -1 : vkey.indexOf('+', plus1 + 1);
    if (plus2 < 0) {
      throw new IllegalArgumentException(
          "verifier key '" + vkey + "' is not <name>+<key id>+<base64 key>");
    }
    String name = vkey.substring(0, plus1);
    String id = vkey.substring(plus1 + 1, plus2);
    if (!HEX8.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "key id '" + id + "' in verifier key '" + vkey + "' is not 8 hex digits");
    }
    byte[] typed = decodeBase64(vkey.substring(plus2 + 1), "key in verifier key '" + vkey + "'");
    if (typed.length < 2) {
      throw new IllegalArgumentException("verifier key '" + vkey + "' has no key");
    }
    VerifierKey k = of(name, typed[0], Arrays.copyOfRange(typed, 1, typed.length));
    if (k.keyId != Integer.parseUnsignedInt(id, 16)) {
      throw new IllegalArgumentException("key id " + id + " in verifier key '" + vkey
          + "' does not match its name and key, which give " + hex(k.keyId));
    }
    return k;
  }

  /** The text form, key id in lowercase hex. */
  String format() {
    byte[] typed = new byte[key.length + 1];
    typed[0] = type;
    System.arraycopy(key, 0, typed, 1, key.length);
    return name + "+" + hex(keyId) + "+" + Base64.getEncoder().encodeToString(typed);
  }

  @Override
  public byte[] key() {
    return key.clone();
  }

  static int keyId(String name, byte type, byte[] key) {
    MessageDigest d = Merkle.sha256();
    d.update(name.getBytes(StandardCharsets.UTF_8));
    d.update((byte) '\n');
    d.update(type);
    d.update(key);
    return ByteBuffer.wrap(d.digest()).getInt();
  }

  static String hex(int keyId) {
    return String.format("%08x", keyId);
  }

  /**
   * Checks a key name: non-empty, well-formed UTF-16 (so encodable as UTF-8), no Unicode
   * space (Go's {@code unicode.IsSpace}) and no plus.
   */
  static void checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("key name must not be empty");
    }
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      if (cp == '+' || isSpace(cp) || Character.isSurrogate((char) cp)) {
        throw new IllegalArgumentException("key name '" + name
            + "' must not contain spaces, '+' or unpaired surrogates; found "
            + String.format("U+%04X at %d", cp, i));
      }
      i += Character.charCount(cp);
    }
  }

  /** Go's {@code unicode.IsSpace}: the Zs, Zl, Zp categories, {@code \t..\r} and U+0085. */
  static boolean isSpace(int cp) {
    return Character.isSpaceChar(cp) || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85;
  }

  /**
   * Standard base64 (RFC 4648 section 4) in canonical form only, so that re-encoding gives
   * back the same text.
   */
  static byte[] decodeBase64(String text, String what) {
    byte[] out;
    try {
      out = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not base64: '" + text + "'", e);
    }
    if (!Base64.getEncoder().encodeToString(out).equals(text)) {
      throw new IllegalArgumentException(what + " is not canonical base64: '" + text + "'");
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifierKey k && k.name.equals(name) && k.keyId == keyId
        && k.type == type && Arrays.equals(k.key, key);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + keyId;
  }

  @Override
  public String toString() {
    return format();
  }
}
