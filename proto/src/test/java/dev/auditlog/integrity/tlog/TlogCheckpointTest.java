package dev.auditlog.integrity.tlog;

import static dev.auditlog.integrity.tlog.NoteTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TlogCheckpoint} against c2sp.org/tlog-checkpoint. */
class TlogCheckpointTest {
  private static final String ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  private static final String SPEC = "example.com/behind-the-sofa\n20852163\n" + ROOT + "\n";

  @Test
  void specExample_parsesAndFormatsBackExactly() {
    TlogCheckpoint c = TlogCheckpoint.parse(SPEC);

    assertEquals("example.com/behind-the-sofa", c.origin());
    assertEquals(20852163, c.size());
    assertArrayEquals(Base64.getDecoder().decode(ROOT), c.rootHash());
    assertEquals(List.of(), c.extensions());
    assertEquals(SPEC, c.body());
    assertEquals(c, new TlogCheckpoint("example.com/behind-the-sofa", 20852163,
        Base64.getDecoder().decode(ROOT)));
  }

  @Test
  void extensionLines_andTheEmptyTree_roundTrip() {
    String body = "o\n0\n" + ROOT + "\nfirst extension\nsecond\n";
    TlogCheckpoint c = TlogCheckpoint.parse(body);
    assertEquals(0, c.size());
    assertEquals(List.of("first extension", "second"), c.extensions());
    assertEquals(body, c.body());
    assertEquals(Long.MAX_VALUE,
        TlogCheckpoint.parse("o\n9223372036854775807\n" + ROOT + "\n").size());
  }

  @Test
  void malformedBodies_areRefusedNamingTheValue() {
    assertRefused("must end in a newline", () -> TlogCheckpoint.parse(SPEC.trim()));
    assertRefused("at least 3 lines", () -> TlogCheckpoint.parse("o\n1\n"));
    assertRefused("origin must not be empty", () -> TlogCheckpoint.parse("\n1\n" + ROOT + "\n"));
    for (String size : List.of("08", "-1", "+1", " 1", "1.0", "", "0x10", "١")) {
      assertRefused("checkpoint size '" + size + "'",
          () -> TlogCheckpoint.parse("o\n" + size + "\n" + ROOT + "\n"));
    }
    assertRefused("'9223372036854775808' is too large",
        () -> TlogCheckpoint.parse("o\n9223372036854775808\n" + ROOT + "\n"));
    assertRefused("root hash must be a 32-byte hash, got 31 bytes", () -> TlogCheckpoint.parse(
        "o\n1\n" + Base64.getEncoder().encodeToString(new byte[31]) + "\n"));
    assertRefused("not canonical base64",
        () -> TlogCheckpoint.parse("o\n1\n" + ROOT.replace("2I=", "2J=") + "\n"));
    assertRefused("extension line 2 must not be empty",
        () -> TlogCheckpoint.parse(SPEC + "ext\n\n"));
    assertRefused("control character", () -> TlogCheckpoint.parse(SPEC.replace("\n2", "\r\n2")));
  }

  @Test
  void constructor_refusesWhatCouldNotBeParsedBack() {
    byte[] root = new byte[32];
    assertRefused("origin must be one line", () -> new TlogCheckpoint("a\nb", 1, root));
    assertRefused("size must be >= 0, got -1", () -> new TlogCheckpoint("o", -1, root));
    assertRefused("got 33 bytes", () -> new TlogCheckpoint("o", 1, new byte[33]));
    assertRefused("extension line 1 must not be empty",
        () -> new TlogCheckpoint("o", 1, root, List.of("")));
  }
}
