package dev.auditlog.integrity.tlog;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A signed note (c2sp.org/signed-note, Go's {@code golang.org/x/mod/sumdb/note}): a UTF-8
 * text ending in a newline, a blank line, then one or more signature lines {@code — <key
 * name> <base64(4-byte key id || signature)>}. The signatures cover the text including its
 * final newline. A note is only a container: what its signatures are worth is for a
 * {@link NoteVerifier} or {@link CosignatureVerifier} to say, and its text must be ignored
 * until one of them has.
 *
 * <p>Parsing is strict, as Go's {@code note.Open} is, and stricter in one way: valid
 * UTF-8, no control characters but newline, at most {@value #MAX_SIGNATURES} signatures,
 * key names without spaces or {@code +}, and base64 in canonical form only, so that
 * {@link #format()} gives back exactly the bytes that were parsed. Duplicate signature
 * lines are kept as they came. Immutable and thread-safe.
 */
public final class Note {
  /** The most signature lines a note may carry (the limit of Go's {@code note.Open}). */
  public static final int MAX_SIGNATURES = 100;

  private static final String SIGNATURE_PREFIX = "\u2014 ";

  private final String text;
  private final List<Signature> signatures;

  /**
   * A note of {@code text} with these signatures.
   *
   * @throws IllegalArgumentException if the text does not end in a newline or holds a control
   *     character other than newline or an unpaired surrogate, or there are no signatures or
   *     more than {@value #MAX_SIGNATURES}
   */
  public Note(String text, List<Signature> signatures) {
    checkText(text);
    if (signatures.isEmpty() || signatures.size() > MAX_SIGNATURES) {
      throw new IllegalArgumentException("a note carries 1 to " + MAX_SIGNATURES
          + " signatures, got " + signatures.size());
    }
    this.text = text;
    this.signatures = List.copyOf(signatures);
  }

  /**
   * Parses a signed note.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static Note parse(String signedNote) {
    checkCharacters(signedNote, "signed note");
    int split = signedNote.lastIndexOf("\n\n");
    if (split < 0) {
      throw new IllegalArgumentException("signed note has no blank line before its signatures");
    }
    String block = signedNote.substring(split + 2);
    if (block.isEmpty() || !block.endsWith("\n")) {
      throw new IllegalArgumentException(
          "signed note must end in signature lines, each ending in a newline");
    }
    String[] lines = block.substring(0, block.length() - 1).split("\n", -1);
    if (lines.length > MAX_SIGNATURES) {
      throw new IllegalArgumentException("signed note has " + lines.length
          + " signature lines, more than " + MAX_SIGNATURES);
    }
    List<Signature> signatures = new ArrayList<>(lines.length);
    for (int i = 0; i < lines.length; i++) {
      signatures.add(Signature.parseLine(lines[i], i + 1));
    }
    return new Note(signedNote.substring(0, split + 1), signatures);
  }

  /**
   * Parses a signed note from its bytes, which must be valid UTF-8.
   *
   * @throws IllegalArgumentException naming what is malformed
   */
  public static Note parse(byte[] signedNote) {
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(signedNote));
      return parse(chars.toString());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("signed note is not valid UTF-8", e);
    }
  }

  /** The text the signatures cover, ending in a newline. */
  public String text() {
    return text;
  }

  /** The signatures, in the order of their lines. */
  public List<Signature> signatures() {
    return signatures;
  }

  /** The signed note: text, blank line, one line per signature. */
  public String format() {
    StringBuilder b = new StringBuilder(text).append('\n');
    for (Signature s : signatures) {
      b.append(s.line()).append('\n');
    }
    return b.toString();
  }

  /**
   * This note with {@code signature} added last, dropping any it had from the same key name
   * and id (as Go's {@code note.Sign} does).
   *
   * @throws IllegalArgumentException if that makes more than {@value #MAX_SIGNATURES}
   */
  public Note withSignature(Signature signature) {
    List<Signature> all = new ArrayList<>(signatures.size() + 1);
    for (Signature s : signatures) {
      if (!(s.keyName().equals(signature.keyName()) && s.keyId() == signature.keyId())) {
        all.add(s);
      }
    }
    all.add(signature);
    return new Note(text, all);
  }

  /**
   * Checks that {@code text} can be the text of a note: ends in a newline, no control
   * character but newline, no unpaired surrogate.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void checkText(String text) {
    if (text == null || !text.endsWith("\n")) {
      throw new IllegalArgumentException("note text must end in a newline");
    }
    checkCharacters(text, "note text");
  }

  private static void checkCharacters(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw new IllegalArgumentException(
            what + " has control character " + String.format("U+%04X at %d", (int) c, i));
      }
      if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            what + " is not encodable as UTF-8: unpaired surrogate at " + i);
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Note n && n.text.equals(text) && n.signatures.equals(signatures);
  }

  @Override
  public int hashCode() {
    return text.hashCode() * 31 + signatures.hashCode();
  }

  @Override
  public String toString() {
    return format();
  }

  /**
   * One signature line: the key's name and 32-bit id, and the signature bytes that follow
   * the id. Immutable: the bytes are copied in and out.
   *
   * @param keyName the signer's key name (non-empty, no spaces, no {@code +})
   * @param keyId the key id, read big-endian from the first four bytes
   * @param signature the bytes after the key id, at least one
   */
  public record Signature(String keyName, int keyId, byte[] signature) {
    /** @throws IllegalArgumentException if the name is not a key name or no bytes follow */
    public Signature {
      VerifierKey.checkName(keyName);
      if (signature == null || signature.length == 0) {
        throw new IllegalArgumentException("signature by " + keyName + " has no bytes");
      }
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    /** The line, without its newline: {@code — <name> <base64(key id || signature)>}. */
    public String line() {
      byte[] all = ByteBuffer.allocate(4 + signature.length).putInt(keyId).put(signature).array();
      return SIGNATURE_PREFIX + keyName + " " + Base64.getEncoder().encodeToString(all);
    }

    static Signature parseLine(String line, int number) {
      if (!line.startsWith(SIGNATURE_PREFIX)) {
        throw new IllegalArgumentException(
            "signature line " + number + " does not start with '\u2014 ': '" + line + "'");
      }
      String rest = line.substring(SIGNATURE_PREFIX.length());
      int space = rest.indexOf(' ');
      if (space < 0) {
        throw new IllegalArgumentException("signature line " + number
            + " is not '\u2014 <key name> <base64>': '" + line + "'");
      }
      String name = rest.substring(0, space);
      byte[] all = VerifierKey.decodeBase64(rest.substring(space + 1),
          "signature on line " + number);
      if (all.length < 5) {
        throw new IllegalArgumentException("signature on line " + number + " has "
            + all.length + " bytes, fewer than a key id and one byte");
      }
      ByteBuffer b = ByteBuffer.wrap(all);
      return new Signature(name, b.getInt(), Arrays.copyOfRange(all, 4, all.length));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Signature s && s.keyName.equals(keyName) && s.keyId == keyId
          && Arrays.equals(s.signature, signature);
    }

    @Override
    public int hashCode() {
      return (keyName.hashCode() * 31 + keyId) * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
      return line();
    }
  }
}
