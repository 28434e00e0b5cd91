package dev.auditlog.integrity.tlog;

import static dev.auditlog.integrity.tlog.NoteTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.Ed25519Keys;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TlogProof} against c2sp.org/tlog-proof@v1. */
class TlogProofTest {
  private static final String ORIGIN = "example.com/auditlog/test";
  private static final NoteSigner LOG =
      new NoteSigner(ORIGIN, Ed25519Keys.generate().getPrivate());
  private static final NoteVerifier LOG_KEY = NoteVerifier.parse(LOG.verifierKey());
  private static final ReferenceTree TREE = ReferenceTree.ofSize(21);
  private static final Note CHECKPOINT =
      Note.parse(LOG.sign(new TlogCheckpoint(ORIGIN, 21, TREE.mth(0, 21)).body()));

  /** The head of the spec's example, up to its checkpoint (whose signatures it elides). */
  private static final String SPEC_HEAD = """
      c2sp.org/tlog-proof@v1
      extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
      index 73894
      gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
      B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
      EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
      RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
      AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

      """;

  @Test
  void theSpecsExampleHead_parsesAndFormatsBackExactly() {
    Note checkpoint = Note.parse(LOG.sign(
        "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"));
    TlogProof p = TlogProof.parse(SPEC_HEAD + checkpoint.format());

    assertEquals(73894, p.index());
    assertEquals(5, p.inclusionProof().size());
    assertEquals("age-v1.2.1-darwin-arm64.tar.gz", new String(p.extra(), 0, 30,
        java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(109482, p.checkpointBody().size());
    assertEquals(SPEC_HEAD + checkpoint.format(), p.format());
  }

  @Test
  void everyLeafOfATree_hasAProofThatRoundTripsAndVerifies() throws IOException {
    for (int i = 0; i < 21; i++) {
      List<byte[]> path = Merkle.inclusionProof(i, 21, TREE.reader(21));
      TlogProof p = TlogProof.parse(new TlogProof(i, path, CHECKPOINT).format());

      assertNull(p.extra());
      assertTrue(p.verifies(TREE.leafHash(i), ORIGIN, LOG_KEY), "leaf " + i);
      assertFalse(p.verifies(TREE.leafHash((i + 1) % 21), ORIGIN, LOG_KEY), "other leaf " + i);
      assertEquals(new TlogProof(i, path, CHECKPOINT), p);
    }
  }

  @Test
  void aProofIsRefused_forAnotherLog_anotherKey_oraTamperedHash() throws IOException {
    List<byte[]> path = Merkle.inclusionProof(5, 21, TREE.reader(21));
    TlogProof p = new TlogProof(new byte[] {1, 2}, 5, path, CHECKPOINT);
    NoteVerifier other = new NoteVerifier(ORIGIN, Ed25519Keys.generate().getPublic());
    List<byte[]> bad = new ArrayList<>(path);
    bad.set(2, TREE.leafHash(0));

    assertTrue(p.verifies(TREE.leafHash(5), ORIGIN, LOG_KEY));
    assertFalse(p.verifies(TREE.leafHash(5), "example.com/other", LOG_KEY));
    assertFalse(p.verifies(TREE.leafHash(5), ORIGIN, other));
    assertFalse(new TlogProof(5, bad, CHECKPOINT).verifies(TREE.leafHash(5), ORIGIN, LOG_KEY));
    assertFalse(new TlogProof(6, path, CHECKPOINT).verifies(TREE.leafHash(5), ORIGIN, LOG_KEY));
    assertArrayEquals(new byte[] {1, 2}, TlogProof.parse(p.format()).extra());
    assertTrue(p.format().startsWith("c2sp.org/tlog-proof@v1\nextra AQI=\nindex 5\n"));
  }

  @Test
  void emptyExtraData_isKeptAsPresent() {
    TlogProof p = TlogProof.parse("c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n"
        + CHECKPOINT.format());
    assertArrayEquals(new byte[0], p.extra());
    assertTrue(p.format().contains("\nextra \n"));
  }

  @Test
  void malformedProofs_areRefusedSayingWhy() {
    String cp = CHECKPOINT.format();
    String h = Base64.getEncoder().encodeToString(TREE.leafHash(0));
    assertRefused("must start with 'c2sp.org/tlog-proof@v1', got 'c2sp.org/tlog-proof@v2'",
        () -> TlogProof.parse("c2sp.org/tlog-proof@v2\nindex 0\n\n" + cp));
    assertRefused("no blank line", () -> TlogProof.parse("c2sp.org/tlog-proof@v1\nindex 0\n"));
    assertRefused("got 'extra AQI='", () -> TlogProof.parse(
        "c2sp.org/tlog-proof@v1\nextra AQI=\nextra AQI=\nindex 0\n\n" + cp));
    for (String index : List.of("index 01", "index -1", "index +1", "index", "Index 1", "")) {
      assertRefused("got '" + index + "'",
          () -> TlogProof.parse("c2sp.org/tlog-proof@v1\n" + index + "\n" + h + "\n\n" + cp));
    }
    assertRefused("'9223372036854775808' is too large", () -> TlogProof.parse(
        "c2sp.org/tlog-proof@v1\nindex 9223372036854775808\n\n" + cp));
    assertRefused("extra data is not base64",
        () -> TlogProof.parse("c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n" + cp));
    assertRefused("inclusion proof hash 1 must be a 32-byte hash, got 31 bytes",
        () -> TlogProof.parse("c2sp.org/tlog-proof@v1\nindex 0\n" + h + "\n"
            + Base64.getEncoder().encodeToString(new byte[31]) + "\n\n" + cp));
    assertRefused("more than 63", () -> TlogProof.parse(
        "c2sp.org/tlog-proof@v1\nindex 0\n" + (h + "\n").repeat(64) + "\n" + cp));
    assertRefused("no blank line before its signatures", () -> TlogProof.parse(
        "c2sp.org/tlog-proof@v1\nindex 0\n\n" + CHECKPOINT.text()));
    assertRefused("checkpoint size 'x'", () -> TlogProof.parse(
        "c2sp.org/tlog-proof@v1\nindex 0\n\n" + LOG.sign(ORIGIN + "\nx\n" + h + "\n")));
  }
}
