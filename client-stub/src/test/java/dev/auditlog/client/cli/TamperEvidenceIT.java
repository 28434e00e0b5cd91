package dev.auditlog.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: ten entries appended and checkpointed on the real server, rows tampered with
 * as the database superuser (triggers disabled), then {@code audit export} and {@code audit
 * verify} as a user runs them. Every tampering must be named with its seq and problem.
 */
class TamperEvidenceIT {
  @TempDir
  Path dir;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private Path file;

  @BeforeEach
  void appendTenEntriesAndACheckpoint() {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    AppendBatchRequest.Builder batch = AppendBatchRequest.newBuilder();
    for (int i = 0; i < 10; i++) {
      batch.addEvents(Events.registrationFailure());
    }
    backend.appendBatch(batch.build());
    server.stub("auditor").getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build());
    file = dir.resolve("export.jsonl");
  }

  @Test
  void untouchedLog_exportsAndVerifies() throws Exception {
    assertEquals(0, export());

    Result r = verify(AuditServerExtension.SIGNING_PUBLIC_KEY);

    assertEquals(0, r.exit, r.out);
    assertTrue(r.out.startsWith("OK: 10 entries, seq 1..10"), r.out);
    assertEquals(12, Files.readAllLines(file).size());
  }

  @Test
  void checkpointCommand_printsTheSignedHeadAndTheServersPublicKey() throws Exception {
    Result r = audit(connection("checkpoint", "--fresh"));

    assertEquals(0, r.exit, r.err);
    String[] lines = r.out.split("\n", 2);
    assertTrue(lines[0].startsWith("{\"chain_hash\":\"" + chainHashAt(10) + "\""), lines[0]);
    assertTrue(lines[0].contains("\"seq\":10,"), lines[0]);
    assertTrue(lines[1].startsWith(Files.readString(AuditServerExtension.SIGNING_PUBLIC_KEY)),
        lines[1]);
  }

  @Test
  void verify_withAnUnreadablePublicKey_isBadArgument() throws Exception {
    assertEquals(0, export());

    Result r = verify(TestCerts.pem("auditor"));

    assertEquals(2, r.exit, r.err);
    assertTrue(r.err.startsWith("audit: --public-key"), r.err);
  }

  @Test
  void changedField_isFieldChangedAtItsSeq() throws Exception {
    server.db().tamper("UPDATE audit.entry SET user_id = 'mallory' WHERE seq = 4");

    assertFails("FAILED at seq 4: FIELD_CHANGED");
  }

  @Test
  void changedRecordedAt_isFieldChangedAtItsSeq() throws Exception {
    server.db().tamper("UPDATE audit.entry SET recorded_at = recorded_at + interval '1 second'"
        + " WHERE seq = 7");

    assertFails("FAILED at seq 7: FIELD_CHANGED");
  }

  @Test
  void deletedMiddleEntry_isEntryMissingAtItsSeq() throws Exception {
    server.db().tamper("DELETE FROM audit.entry WHERE seq = 5");

    assertFails("FAILED at seq 5: ENTRY_MISSING");
  }

  @Test
  void swappedEntries_areReorderedAtTheFirst() throws Exception {
    server.db().tamper("UPDATE audit.entry SET seq = 1003 WHERE seq = 3",
        "UPDATE audit.entry SET seq = 3 WHERE seq = 4",
        "UPDATE audit.entry SET seq = 4 WHERE seq = 1003");

    assertFails("FAILED at seq 3: ENTRIES_REORDERED");
  }

  @Test
  void insertedForgedEntryWithRecomputedHashes_isEntryInsertedAtItsSeq() throws Exception {
    String chainAtFive = chainHashAt(5);
    server.db().tamper("UPDATE audit.entry SET seq = seq + 1000 WHERE seq >= 6",
        "UPDATE audit.entry SET seq = seq - 999 WHERE seq > 1000");
    insertForged(6, chainAtFive);

    assertFails("FAILED at seq 6: ENTRY_INSERTED");
  }

  @Test
  void lastEntriesRemoved_isTailCutAgainstTheCheckpoint() throws Exception {
    server.db().tamper("DELETE FROM audit.entry WHERE seq >= 9");

    assertFails("FAILED at seq 9: TAIL_CUT");
  }

  @Test
  void checkpointSignedByAnotherKey_isSignatureInvalid() throws Exception {
    assertEquals(0, export());
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    KeyPair other = Ed25519Keys.generate();
    CheckpointPayload p = new CheckpointPayload("default", 10, chainHashAt(10),
        "2030-01-01T00:00:00.000000Z");
    lines.set(11, ExportFormat.checkpointLine(p, Ed25519Keys.keyId(other.getPublic()),
        p.sign(other.getPrivate())));
    Files.write(file, lines);

    Result r = verify(AuditServerExtension.SIGNING_PUBLIC_KEY);

    assertEquals(1, r.exit, r.out);
    assertTrue(r.out.startsWith("FAILED at seq 10: SIGNATURE_INVALID"), r.out);
  }

  @Test
  void untouchedExport_checkedWithAnotherPublicKey_isSignatureInvalid() throws Exception {
    assertEquals(0, export());
    Path otherKey = Files.writeString(dir.resolve("other.pub.pem"),
        Ed25519Keys.publicPem(Ed25519Keys.generate().getPublic()));

    Result r = verify(otherKey);

    assertEquals(1, r.exit, r.out);
    assertTrue(r.out.startsWith("FAILED at seq 10: SIGNATURE_INVALID"), r.out);
  }

  private void assertFails(String expected) throws Exception {
    assertEquals(0, export());
    Result r = verify(AuditServerExtension.SIGNING_PUBLIC_KEY);
    assertEquals(1, r.exit, r.out);
    assertTrue(r.out.startsWith(expected), r.out);
  }

  private int export() {
    Result r = audit(connection("export", "-o", file.toString()));
    assertTrue(r.err.startsWith("audit: exported"), r.err);
    return r.exit;
  }

  private static Result audit(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = AuditCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
        .execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private String[] connection(String command, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--target", "localhost:" + server.port(),
        "--cert", TestCerts.pem("auditor").toString(), "--key", TestCerts.key("auditor").toString(),
        "--ca", TestCerts.pem("ca").toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private Result verify(Path publicKey) {
    return audit("verify", file.toString(), "--public-key", publicKey.toString());
  }

  private String chainHashAt(long seq) throws Exception {
    try (Connection c = server.db().superuser(); PreparedStatement ps =
        c.prepareStatement("SELECT chain_hash FROM audit.entry WHERE seq = ?")) {
      ps.setLong(1, seq);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return HexFormat.of().formatHex(rs.getBytes(1));
      }
    }
  }

  /** Inserts an entry at {@code seq} whose entry and chain hashes are recomputed. */
  private void insertForged(long seq, String previousChain) throws Exception {
    Entry forged = Entry.newBuilder().setSeq(seq).setEventId(UUID.randomUUID().toString())
        .setRecordedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_795_000_000L))
        .setAction("user.login").setProducer("auth-backend")
        .setOutcome(dev.auditlog.api.v1.Outcome.OUTCOME_SUCCESS).build();
    String entryHash = EntryHasher.entryHash(forged);
    String chain = EntryHasher.chainHash(previousChain, entryHash);
    server.db().tamper(String.format("INSERT INTO audit.entry (log_id, seq, recorded_at, event_id,"
        + " user_id, action, target, source_ip, outcome, occurred_at, risk_signals, attributes,"
        + " producer, entry_hash, chain_hash) VALUES ('default', %d, to_timestamp(1795000000),"
        + " '%s', '', 'user.login', '', '', 'OUTCOME_SUCCESS', NULL, '{}', '{}',"
        + " 'auth-backend', '\\x%s', '\\x%s')", seq, forged.getEventId(), entryHash, chain));
  }

  private record Result(int exit, String out, String err) {}
}
