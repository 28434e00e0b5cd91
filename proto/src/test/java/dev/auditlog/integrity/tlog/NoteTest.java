package dev.auditlog.integrity.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.Ed25519Keys;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** {@link Note}, {@link NoteSigner} and {@link NoteVerifier} on their own. */
class NoteTest {
  private static final KeyPair KEY = Ed25519Keys.generate();
  private static final NoteSigner SIGNER = new NoteSigner("example.com/log", KEY.getPrivate());
  private static final String TEXT = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
  private static final String SIGNED = SIGNER.sign(TEXT);
  private static final String LINE = SIGNED.substring(SIGNED.indexOf('\u2014'));

  @Test
  void signedNote_isTextBlankLineAndOneSignatureLine_andVerifies() {
    assertTrue(SIGNED.startsWith(TEXT + "\n\u2014 example.com/log "));
    assertTrue(SIGNED.endsWith("\n"));
    Note note = Note.parse(SIGNED);
    assertEquals(TEXT, note.text());
    assertEquals(SIGNER.keyId(), note.signatures().get(0).keyId());
    assertTrue(NoteVerifier.parse(SIGNER.verifierKey()).verifies(note));
    assertTrue(new NoteVerifier("example.com/log", KEY.getPublic()).verifies(note));
  }

  @Test
  void verifierKey_isNameHexIdAndBase64OfTypeAndKey() {
    String vkey = SIGNER.verifierKey();
    String[] parts = vkey.split("\\+", 3);
    assertEquals("example.com/log", parts[0]);
    assertEquals(String.format("%08x", SIGNER.keyId()), parts[1]);
    byte[] typed = java.util.Base64.getDecoder().decode(parts[2]);
    assertEquals(33, typed.length);
    assertEquals(1, typed[0]);
    assertEquals(VerifierKey.keyId("example.com/log", (byte) 1,
        Ed25519Keys.rawPublicKey(KEY.getPublic())), SIGNER.keyId());
  }

  @Test
  void malformedNotes_areRefusedSayingWhy() {
    assertRefused("no blank line", () -> Note.parse(TEXT));
    assertRefused("must end in signature lines", () -> Note.parse(TEXT + "\n"));
    assertRefused("must end in signature lines",
        () -> Note.parse(TEXT + "\n" + LINE.substring(0, LINE.length() - 1)));
    assertRefused("control character U+0001", () -> Note.parse("\u0001" + SIGNED));
    assertRefused("control character U+000D", () -> Note.parse(SIGNED.replace("3\n", "3\r\n")));
    assertRefused("unpaired surrogate", () -> Note.parse("\ud800" + SIGNED));
    assertRefused("is not base64: 'Name ",
        () -> Note.parse(TEXT + "\n" + LINE.replace("example.com/log ", "Bad Name ")));
    assertRefused("must not contain spaces, '+'",
        () -> Note.parse(TEXT + "\n" + LINE.replace("example.com/log", "a+b")));
    assertRefused("does not start with '\u2014 ': 'Unexpected line.'",
        () -> Note.parse(SIGNED + "Unexpected line.\n"));
    assertRefused("signature line 1 does not start",
        () -> Note.parse(TEXT + "\n" + LINE.replace("\u2014", "--")));
    assertRefused("is not '\u2014 <key name> <base64>'",
        () -> Note.parse(TEXT + "\n\u2014 example.com/log\n"));
    assertRefused("not base64", () -> Note.parse(TEXT + "\n\u2014 a b!c=\n"));
    assertRefused("not canonical base64", () -> Note.parse(TEXT + "\n\u2014 a QR==\n"));
    assertRefused("4 bytes, fewer than", () -> Note.parse(TEXT + "\n\u2014 a AAAAAA==\n"));
    assertRefused("101 signature lines, more than 100",
        () -> Note.parse(TEXT + "\n" + LINE.repeat(101)));
  }

  @Test
  void aHundredSignatures_areAccepted_andTheTextMayHoldBlankLines() {
    assertEquals(100, Note.parse(TEXT + "\n" + LINE.repeat(100)).signatures().size());
    String text = "first\n\nthird\n\n";
    Note note = Note.parse(SIGNER.sign(text));
    assertEquals(text, note.text());
    assertTrue(NoteVerifier.parse(SIGNER.verifierKey()).verifies(note));
  }

  @Test
  void signing_refusesTextThatCannotBeANote() {
    assertRefused("must end in a newline", () -> SIGNER.sign("no newline"));
    assertRefused("control character U+0009", () -> SIGNER.sign("tab\there\n"));
    assertRefused("key name 'a b'", () -> new NoteSigner("a b", KEY.getPrivate()));
    assertRefused("key name must not be empty", () -> new NoteSigner("", KEY.getPrivate()));
    assertThrows(IllegalArgumentException.class, () -> new NoteSigner("x", null));
  }

  @Test
  void signingANote_addsALine_replacingTheSignersOldOne() {
    NoteSigner other = new NoteSigner("witness.example/w", Ed25519Keys.generate().getPrivate());
    Note twice = other.sign(Note.parse(SIGNED));
    assertEquals(2, twice.signatures().size());
    Note again = SIGNER.sign(twice);
    assertEquals(List.of("witness.example/w", "example.com/log"),
        again.signatures().stream().map(Note.Signature::keyName).toList());
    assertTrue(NoteVerifier.parse(other.verifierKey()).verifies(again));
    assertTrue(NoteVerifier.parse(SIGNER.verifierKey()).verifies(again));
  }

  @Test
  void malformedVerifierKeys_areRefusedSayingWhy() {
    String vkey = SIGNER.verifierKey();
    String id = vkey.split("\\+")[1];
    String otherId = id.equals("00000000") ? "00000001" : "00000000";
    assertRefused("does not match its name and key, which give " + id,
        () -> NoteVerifier.parse(vkey.replace("+" + id + "+", "+" + otherId + "+")));
    assertRefused("is not 8 hex digits", () -> NoteVerifier.parse(vkey.replace(id, "abc")));
    assertRefused("is not <name>+<key id>+<base64 key>", () -> NoteVerifier.parse("name+1234"));
    assertRefused("key name 'a b'", () -> NoteVerifier.parse("a b+00000000+AQID"));
    assertRefused("not 0x01 (Ed25519)", () -> NoteVerifier.parse(
        new CosignatureSigner("example.com/log", KEY.getPrivate()).verifierKey()));
    String shortKey = VerifierKey.of("n", (byte) 1, new byte[31]).format();
    assertRefused("does not hold a 32-byte Ed25519 key", () -> NoteVerifier.parse(shortKey));
    assertTrue(NoteVerifier.parse(vkey.replace(id, id.toUpperCase())).verifies(Note.parse(SIGNED)),
        "Go reads the key id as hex in either case");
  }

  @Test
  void goSignerKeys_areCheckedLikeVerifierKeys() {
    String skey = NoteVectorsTest.s(NoteVectorsTest.V.getAsJsonObject("go_doc_example"),
        "signer_key");
    assertRefused("starts with 'PRIVATE+KEY+'", () -> NoteSigner.fromSignerKey(skey.substring(1)));
    assertRefused("does not match", () -> NoteSigner.fromSignerKey(skey.replace("c74f", "c74e")));
    assertRefused("not 0x01 and a 32-byte seed",
        () -> NoteSigner.fromSignerKey("PRIVATE+KEY+a+00000000+AQ=="));
  }

  static void assertRefused(String part, Executable e) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
    assertTrue(x.getMessage().contains(part), "'" + x.getMessage() + "' should say " + part);
    assertFalse(x.getMessage().isEmpty());
  }
}
