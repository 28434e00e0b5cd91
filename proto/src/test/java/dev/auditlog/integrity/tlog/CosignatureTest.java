package dev.auditlog.integrity.tlog;

import static dev.auditlog.integrity.tlog.NoteTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.Ed25519Keys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@link CosignatureSigner} and {@link CosignatureVerifier} against c2sp.org/tlog-cosignature. */
class CosignatureTest {
  private static final KeyPair LOG_KEY = Ed25519Keys.generate();
  private static final KeyPair WITNESS_KEY = Ed25519Keys.generate();
  private static final NoteSigner LOG = new NoteSigner("example.com/log", LOG_KEY.getPrivate());
  private static final CosignatureSigner WITNESS =
      new CosignatureSigner("witness.example/w1", WITNESS_KEY.getPrivate());
  private static final String TEXT =
      new TlogCheckpoint("example.com/log", 20852163, new byte[32]).body();
  private static final long TIME = 1679315147L;
  private static final Note COSIGNED = WITNESS.cosign(Note.parse(LOG.sign(TEXT)), TIME);

  @Test
  void cosignature_isKeyIdTimestampAndEd25519OverTheSpecsMessage() {
    Note.Signature line = COSIGNED.signatures().get(1);
    byte[] raw = Ed25519Keys.rawPublicKey(WITNESS_KEY.getPublic());
    byte[] bytes = line.signature();
    String message = "cosignature/v1\ntime 1679315147\n" + TEXT;

    assertEquals("witness.example/w1", line.keyName());
    assertEquals(VerifierKey.keyId("witness.example/w1", (byte) 0x04, raw), line.keyId());
    assertEquals(72, bytes.length);
    assertEquals(TIME, ByteBuffer.wrap(bytes).getLong());
    assertTrue(Ed25519Keys.verify(WITNESS_KEY.getPublic(),
        message.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(bytes, 8, 72)));
  }

  @Test
  void verifierKey_hasType4_andVerifiesTheCosignatureWithItsTime() {
    String vkey = WITNESS.verifierKey();
    assertEquals(4, Base64.getDecoder().decode(vkey.split("\\+", 3)[2])[0]);
    CosignatureVerifier v = CosignatureVerifier.parse(vkey);

    assertEquals(OptionalLong.of(TIME), v.timestamp(COSIGNED));
    assertTrue(v.verifies(Note.parse(COSIGNED.format())));
    assertTrue(NoteVerifier.parse(LOG.verifierKey()).verifies(COSIGNED), "the log's own line");
  }

  @Test
  void tamperedCosignatures_areRefused() {
    CosignatureVerifier v = CosignatureVerifier.parse(WITNESS.verifierKey());
    Note.Signature line = COSIGNED.signatures().get(1);
    byte[] otherTime = line.signature();
    otherTime[7] ^= 1;
    byte[] hugeTime = line.signature();
    hugeTime[0] |= (byte) 0x80;

    assertFalse(v.verifies(new Note(TEXT.replace("20852163", "20852164"),
        COSIGNED.signatures())), "another checkpoint");
    assertFalse(v.verifies(COSIGNED.withSignature(
        new Note.Signature(line.keyName(), line.keyId(), otherTime))), "another time");
    assertFalse(v.verifies(COSIGNED.withSignature(
        new Note.Signature(line.keyName(), line.keyId(), hugeTime))), "time above 2^63 - 1");
    assertFalse(v.verifies(COSIGNED.withSignature(new Note.Signature(line.keyName(),
        line.keyId(), Arrays.copyOf(line.signature(), 71)))), "short");
    assertFalse(v.verifies(Note.parse(LOG.sign(TEXT))), "no cosignature");
    NoteSigner plain = new NoteSigner("witness.example/w1", WITNESS_KEY.getPrivate());
    assertFalse(v.verifies(plain.sign(Note.parse(LOG.sign(TEXT)))),
        "a plain note signature by the same key has another key id");
    assertFalse(NoteVerifier.parse(plain.verifierKey()).verifies(WITNESS.cosign(
        Note.parse(LOG.sign(TEXT)), TIME)), "and the other way round");
  }

  @Test
  void verifierKeysOfTheWrongType_andNegativeTimes_areRefused() {
    assertRefused("not 0x04 (Ed25519 cosignature)",
        () -> CosignatureVerifier.parse(LOG.verifierKey()));
    assertRefused("timestamp must be >= 0, got -1", () -> WITNESS.signature(TEXT, -1));
    assertRefused("must end in a newline", () -> WITNESS.signature("x", 0));
  }
}
