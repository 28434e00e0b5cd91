package dev.auditlog.client.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.server.AuditServerExtension;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three forms of {@code audit verify --after}. */
class PredecessorTest {
  private static final String HASH =
      "4acddfb21eabb8efa7163aea4c7373058df9409b3b6ac719ea1118aac5d44fb9";
  private static KeyPair key;
  private static PublicKey trusted;

  @TempDir
  Path dir;

  @BeforeAll
  static void keys() throws Exception {
    key = Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY);
    trusted = Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY);
  }

  @Test
  void parse_seqColonHash_isThatSeqAndHash() throws Exception {
    Predecessor p = Predecessor.parse("2:" + HASH, trusted);

    assertEquals(OptionalLong.of(2), p.seq());
    assertEquals(HASH, p.chainHash());
    assertEquals(Optional.empty(), p.logId());
  }

  @Test
  void parse_bareHashInUpperCase_isTheHashAloneInLowerCase() throws Exception {
    Predecessor p = Predecessor.parse(HASH.toUpperCase(), trusted);

    assertEquals(OptionalLong.empty(), p.seq());
    assertEquals(HASH, p.chainHash());
  }

  @Test
  void parse_fileAsAuditCheckpointPrintsIt_isTheCheckpointOnItsFirstLine() throws Exception {
    Path file = Files.writeString(dir.resolve("checkpoint.txt"), checkpointLine(key) + "\n"
        + Ed25519Keys.publicPem(trusted));

    Predecessor p = Predecessor.parse(file.toString(), trusted);

    assertEquals(OptionalLong.of(2), p.seq());
    assertEquals(HASH, p.chainHash());
    assertEquals(Optional.of("default"), p.logId());
  }

  @Test
  void parse_fileWithACheckpointSignedByAnotherKey_isRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("checkpoint.txt"),
        checkpointLine(Ed25519Keys.generate()) + "\n");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Predecessor.parse(file.toString(), trusted));
    assertTrue(e.getMessage().contains("not the trusted key"), e.getMessage());
  }

  @Test
  void parse_fileStartingWithAnotherLine_isRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("export.jsonl"),
        ExportFormat.headerLine("default", 1, 0, "0".repeat(64)) + "\n" + checkpointLine(key));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Predecessor.parse(file.toString(), trusted));
    assertTrue(e.getMessage().startsWith("not a checkpoint line"), e.getMessage());
  }

  @Test
  void parse_emptyFile_isRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("empty"), "");

    assertThrows(IllegalArgumentException.class,
        () -> Predecessor.parse(file.toString(), trusted));
  }

  @Test
  void parse_seqWithAShortHash_isTakenAsAFileName() {
    assertThrows(NoSuchFileException.class,
        () -> Predecessor.parse(dir.resolve("2:abc").toString(), trusted));
  }

  @Test
  void of_negativeSeq_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> Predecessor.of(-1, HASH));
  }

  private static String checkpointLine(KeyPair signer) throws Exception {
    CheckpointPayload p =
        new CheckpointPayload("default", 2, HASH, "2026-11-23T09:16:00.000000Z");
    return ExportFormat.checkpointLine(p, Ed25519Keys.keyId(signer.getPublic()),
        p.sign(signer.getPrivate()));
  }
}
