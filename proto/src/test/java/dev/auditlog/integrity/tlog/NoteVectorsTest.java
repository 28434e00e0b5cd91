package dev.auditlog.integrity.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.integrity.Ed25519Keys;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Signed notes made by Go's {@code golang.org/x/mod/sumdb/note} and the examples of the C2SP
 * specs, from {@code note-vectors.json} (its {@code source} member says where each is from).
 */
class NoteVectorsTest {
  static final JsonObject V = load();
  private static final JsonObject GO = V.getAsJsonObject("go_doc_example");
  private static final JsonObject GO_CHECKPOINT = V.getAsJsonObject("go_generated_checkpoint");
  private static final JsonObject SPEC = V.getAsJsonObject("spec_examples");

  @Test
  void goDocExample_verifiesWithItsVerifierKey() {
    NoteVerifier peter = NoteVerifier.parse(s(GO, "verifier_key"));
    Note note = Note.parse(s(GO, "signed_note"));

    assertEquals("PeterNeumann", peter.name());
    assertEquals(0xc74f20a3, peter.keyId());
    assertEquals(s(GO, "verifier_key"), peter.verifierKey());
    assertEquals(s(GO, "text"), note.text());
    assertTrue(peter.verifies(note));
    assertEquals(s(GO, "signed_note"), note.format());
  }

  @Test
  void goSignerKey_givesGosSignatureByteForByte() {
    NoteSigner signer = NoteSigner.fromSignerKey(s(GO, "signer_key"));

    assertEquals(s(GO, "verifier_key"), signer.verifierKey());
    assertEquals(s(GO, "signed_note"), signer.sign(s(GO, "text")), "Ed25519 is deterministic");
    NoteSigner generated = NoteSigner.fromSignerKey(s(GO_CHECKPOINT, "signer_key"));
    String text = Note.parse(s(GO_CHECKPOINT, "signed_note")).text();
    assertEquals(s(GO_CHECKPOINT, "signed_note"), generated.sign(text));
  }

  @Test
  void doublySignedGoNote_eachKeyVerifiesItsOwnLine_andIgnoresTheOther() {
    Note note = Note.parse(s(GO, "doubly_signed_note"));

    assertEquals(2, note.signatures().size());
    assertTrue(NoteVerifier.parse(s(GO, "verifier_key")).verifies(note));
    assertTrue(NoteVerifier.parse(s(GO, "other_verifier_key")).verifies(note));
    assertEquals(s(GO, "doubly_signed_note"), note.format());
  }

  @Test
  void goGeneratedCheckpoint_verifies_andIsTheTestTreeOfSize8() {
    NoteVerifier log = NoteVerifier.parse(s(GO_CHECKPOINT, "verifier_key"));
    Note note = Note.parse(s(GO_CHECKPOINT, "signed_note"));
    TlogCheckpoint checkpoint = TlogCheckpoint.parse(note.text());

    assertTrue(log.verifies(note));
    assertEquals("example.com/auditlog/test", checkpoint.origin());
    assertEquals(8, checkpoint.size());
    assertArrayEquals(HexFormat.of().parseHex(
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
        checkpoint.rootHash());
  }

  @Test
  void goNotes_tampered_areRefused() {
    NoteVerifier peter = NoteVerifier.parse(s(GO, "verifier_key"));
    String signed = s(GO, "signed_note");
    String line = signed.substring(signed.indexOf("\u2014"));

    assertFalse(peter.verifies(Note.parse(signed.replace("problem,", "problem;"))), "text");
    assertFalse(peter.verifies(Note.parse(signed.replace("PeterNeumann", "PeterNeuman"))),
        "another key name: the line is someone else's");
    assertFalse(peter.verifies(Note.parse(signed.replace("x08go/", "x08gp/"))),
        "another key id: the line is someone else's");
    assertFalse(peter.verifies(Note.parse(signed.replace("JnAM=", "JnAA="))), "signature");
    assertFalse(peter.verifies(Note.parse(signed + line.replace("ZJku", "ZJkv"))),
        "a second, bad line claiming the same key");
    NoteVerifier impostor = new NoteVerifier("PeterNeumann", Ed25519Keys.generate().getPublic());
    assertFalse(impostor.verifies(Note.parse(signed)), "same name, other key");
  }

  @Test
  void specSignedNoteExample_parses_withItsKeyIdAndText() {
    Note note = Note.parse(s(SPEC, "signed_note"));

    assertEquals(s(SPEC, "signed_note_text"), note.text(), "split at the last blank line");
    Note.Signature sig = note.signatures().get(0);
    assertEquals("quasimodo.example/salvatore", sig.keyName());
    assertEquals(0x367ba04b, sig.keyId());
    assertEquals(64, sig.signature().length);
    assertEquals(s(SPEC, "signed_note"), note.format());
    NoteVerifier unknown = new NoteVerifier(sig.keyName(), Ed25519Keys.generate().getPublic());
    assertFalse(unknown.verifies(note), "a key the note was not signed with");
  }

  @Test
  void specCosignedCheckpoint_parses_andTheWitnessLineCarriesTheSpecsTimestamp() {
    Note note = Note.parse(s(SPEC, "cosigned_checkpoint"));
    TlogCheckpoint checkpoint = TlogCheckpoint.parse(note.text());
    List<Note.Signature> sigs = note.signatures();

    assertEquals("example.com/behind-the-sofa", checkpoint.origin());
    assertEquals(20852163, checkpoint.size());
    assertEquals(0x033de0ae, sigs.get(0).keyId());
    assertEquals(64, sigs.get(0).signature().length);
    assertEquals("witness.example.com/w1", sigs.get(1).keyName());
    assertEquals(0x8d66cf3f, sigs.get(1).keyId());
    byte[] witness = sigs.get(1).signature();
    assertEquals(8 + 64, witness.length);
    assertEquals(V.getAsJsonObject("spec_examples").get("cosignature_timestamp").getAsLong(),
        ByteBuffer.wrap(witness).getLong());
    CosignatureVerifier unknown =
        new CosignatureVerifier("witness.example.com/w1", Ed25519Keys.generate().getPublic());
    assertFalse(unknown.verifies(note));
    assertEquals(s(SPEC, "cosigned_checkpoint"), note.format());
  }

  @Test
  void parsingBytes_needsValidUtf8() {
    byte[] good = s(GO, "signed_note").getBytes(StandardCharsets.UTF_8);
    assertEquals(Note.parse(s(GO, "signed_note")), Note.parse(good));
    byte[] bad = good.clone();
    bad[0] = (byte) 0xff;
    NoteTest.assertRefused("not valid UTF-8", () -> Note.parse(bad));
  }

  static String s(JsonObject o, String member) {
    return o.get(member).getAsString();
  }

  private static JsonObject load() {
    try (InputStream in = NoteVectorsTest.class.getResourceAsStream("note-vectors.json")) {
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
