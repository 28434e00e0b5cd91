package dev.auditlog.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.CosignatureSigner;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteSigner;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import dev.auditlog.integrity.tlog.TlogProof;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: entries appended to the real server over mutual TLS, {@code audit prove}
 * writing receipts, {@code audit verify-proof} checking them offline with the log's verifier
 * key (and witnesses' keys), receipts edited the ways a forger would, {@code audit
 * checkpoint} printing the note and verifier key, and {@code audit consistency}.
 */
class ProofCommandIT {
  private static final String ORIGIN = "localhost/audit/default";

  @TempDir
  Path dir;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  private final List<String> eventIds = new ArrayList<>();
  private String vkey;
  private Result last;

  @BeforeEach
  void start() throws Exception {
    vkey = new NoteSigner(ORIGIN, Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY).getPrivate())
        .verifierKey();
    append(10);
  }

  @Test
  void prove_byEventId_verifiesOfflineWithTheVerifierKey() throws Exception {
    Path receipt = dir.resolve("entry.tlog-proof");

    assertEquals(0, audit(connection("prove", eventIds.get(3), "-o", receipt.toString())).exit,
        last.err);
    assertTrue(last.err.startsWith("audit: receipt of seq 4 (event " + eventIds.get(3)
        + "), leaf 3 of the tree of size 10 of log '" + ORIGIN + "'"), last.err);
    assertTrue(last.err.contains("--verifier-key " + vkey), last.err);

    assertEquals(0, verifyProof(receipt).exit, last.out);
    assertTrue(last.out.startsWith("OK: entry seq 4 (event " + eventIds.get(3) + ", user.register,"
        + " recorded at "), last.out);
    assertTrue(last.out.contains(") is leaf 3 of the tree of size 10 of log '" + ORIGIN + "',"
        + " signed by " + nameAndId()), last.out);
  }

  @Test
  void prove_bySeq_againstTheEarliestCoveringOrAGivenCheckpoint() throws Exception {
    append(5);
    fresh();
    Path receipt = dir.resolve("r.tlog-proof");

    assertEquals(0, audit(connection("prove", "--seq", "3", "-o", receipt.toString())).exit);
    assertEquals(10, TlogProof.parse(Files.readString(receipt)).checkpointBody().size());
    assertEquals(0, audit(connection("prove", "--seq", "12", "--tree-size", "15")).exit);
    Path toStdout = Files.writeString(dir.resolve("s.tlog-proof"), last.out);
    assertEquals(0, verifyProof(toStdout).exit, last.out);
    assertTrue(last.out.contains("is leaf 11 of the tree of size 15"), last.out);

    assertEquals(ExitCodes.BAD_ARGUMENT, audit(connection("prove", "--seq", "3", "--tree-size",
        "12")).exit);
    assertTrue(last.err.startsWith("audit: no signed checkpoint note of tree size 12"), last.err);
    assertEquals(ExitCodes.BAD_ARGUMENT, audit(connection("prove", "--seq", "3", "--tree-size",
        "99")).exit);
    assertTrue(last.err.startsWith("audit: OUT_OF_RANGE"), last.err);
    assertEquals(ExitCodes.BAD_ARGUMENT, audit(connection("prove", "--seq", "3",
        eventIds.get(0))).exit);
  }

  @Test
  void tamperedReceipts_areRefused() throws Exception {
    String receipt = prove(5);
    TlogProof p = TlogProof.parse(receipt);

    for (int i = 0; i < p.inclusionProof().size(); i++) {
      List<byte[]> hashes = p.inclusionProof();
      hashes.get(i)[0] ^= 1;
      assertRefused(new TlogProof(p.extra(), p.index(), hashes, p.checkpoint()).format(),
          "FAILED at seq 5: INCLUSION_INVALID");
    }
    assertRefused(receipt.replace("index 4\n", "index 5\n"), "FAILED at seq 5: ENTRY_MISMATCH");
    Note.Signature s = p.checkpoint().signatures().get(0);
    byte[] bad = s.signature();
    bad[10] ^= 1;
    Note forged = new Note(p.checkpoint().text(),
        List.of(new Note.Signature(s.keyName(), s.keyId(), bad)));
    assertRefused(new TlogProof(p.extra(), p.index(), p.inclusionProof(), forged).format(),
        "FAILED at seq 5: SIGNATURE_INVALID");
    String otherKey = new NoteSigner(ORIGIN, Ed25519Keys.generate().getPrivate()).verifierKey();
    assertEquals(ExitCodes.FAILURE, verifyProof(file(receipt), "--verifier-key", otherKey).exit);
    assertTrue(last.out.startsWith("FAILED at seq 5: SIGNATURE_INVALID"), last.out);
    assertEquals(ExitCodes.BAD_ARGUMENT,
        verifyProof(file(receipt), "--verifier-key", vkey.replace("+A", "+B")).exit);
    assertTrue(last.err.startsWith("audit: --verifier-key: "), last.err);
  }

  @Test
  void witnesses_kOfN_mustHaveCosigned() throws Exception {
    TlogProof p = TlogProof.parse(prove(2));
    CosignatureSigner w1 = new CosignatureSigner("w1.example", Ed25519Keys.generate().getPrivate());
    CosignatureSigner w2 = new CosignatureSigner("w2.example", Ed25519Keys.generate().getPrivate());
    CosignatureSigner w3 = new CosignatureSigner("w3.example", Ed25519Keys.generate().getPrivate());
    Note cosigned = w2.cosign(w1.cosign(p.checkpoint(), 1_800_000_000L), 1_800_000_060L);
    Path receipt = file(new TlogProof(p.extra(), p.index(), p.inclusionProof(), cosigned)
        .format());
    String[] all = {"--witness-key", w1.verifierKey(), "--witness-key", w2.verifierKey(),
        "--witness-key", w3.verifierKey()};

    assertEquals(0, verifyProof(receipt, concat(all, "--witnesses", "2")).exit, last.out);
    assertTrue(last.out.endsWith("cosigned by 2 of 3 witnesses: w1.example at"
        + " 2027-01-15T08:00:00Z, w2.example at 2027-01-15T08:01:00Z\n"), last.out);
    assertEquals(ExitCodes.FAILURE, verifyProof(receipt, all).exit);
    assertTrue(last.out.startsWith("FAILED at seq 2: TOO_FEW_WITNESSES: 3 of the 3 witnesses"),
        last.out);
    assertEquals(ExitCodes.BAD_ARGUMENT, verifyProof(receipt, concat(all, "--witnesses", "4"))
        .exit);
    assertEquals(ExitCodes.BAD_ARGUMENT,
        verifyProof(receipt, "--witness-key", vkey, "--witnesses", "1").exit, "not a 0x04 key");
  }

  @Test
  void verifyProof_entryGivenApart_fromAnExport() throws Exception {
    Path receipt = file(prove(7));
    Path export = dir.resolve("export.jsonl");
    assertEquals(0, audit(connection("export", "-o", export.toString())).exit, last.err);
    List<String> lines = Files.readAllLines(export);

    assertEquals(0, verifyProof(receipt, "--entry", file(lines.get(7)).toString()).exit,
        last.out);
    assertEquals(ExitCodes.FAILURE,
        verifyProof(receipt, "--entry", file(lines.get(6)).toString()).exit);
    assertTrue(last.out.startsWith("FAILED at seq 7: ENTRY_MISMATCH"), last.out);
  }

  @Test
  void checkpoint_printsTheNoteAndTheVerifierKey() throws Exception {
    assertEquals(0, audit(connection("checkpoint")).exit, last.err);

    List<String> out = last.out.lines().toList();
    assertTrue(out.get(0).contains("\"merkle_root\":\"") && out.get(0).contains("\"note\":\""),
        out.get(0));
    assertEquals(ORIGIN, out.get(4));
    assertEquals("10", out.get(5));
    assertEquals("verifier key: " + vkey, out.get(out.size() - 1));
    assertTrue(last.err.contains("check them against keys obtained out of band"), last.err);

    assertEquals(0, audit(connection("checkpoint", "--note")).exit, last.err);
    Note note = Note.parse(last.out);
    assertEquals(10, TlogCheckpoint.parse(note.text()).size());
  }

  @Test
  void consistency_ofAKeptCheckpoint_withTheNewest_andAForgedOne() throws Exception {
    assertEquals(0, audit(connection("checkpoint", "--note")).exit, last.err);
    Path old = file(last.out);
    append(6);
    fresh();
    Path next = dir.resolve("next.note");

    assertEquals(0, audit(connection("consistency", old.toString(), "--verifier-key", vkey,
        "-o", next.toString())).exit, last.out + last.err);
    assertTrue(last.out.startsWith("OK: the tree of size 10 "), last.out);
    assertTrue(last.out.contains(" is a prefix of the tree of size 16 "), last.out);
    assertEquals(16, TlogCheckpoint.parse(Note.parse(Files.readString(next)).text()).size());
    assertEquals(0, audit(connection("consistency", old.toString(), next.toString(),
        "--verifier-key", vkey)).exit, last.out + last.err);

    KeyPair key = Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY);
    byte[] otherRoot = new byte[32];
    Path forged = file(new NoteSigner(ORIGIN, key.getPrivate()).sign(
        new TlogCheckpoint(ORIGIN, 10, otherRoot).body()));
    assertEquals(ExitCodes.FAILURE, audit(connection("consistency", forged.toString(),
        "--verifier-key", vkey)).exit);
    assertTrue(last.out.startsWith("FAILED: INCONSISTENT: "), last.out);
    String otherKey = new NoteSigner(ORIGIN, Ed25519Keys.generate().getPrivate()).verifierKey();
    assertEquals(ExitCodes.BAD_ARGUMENT, audit(connection("consistency", old.toString(),
        "--verifier-key", otherKey)).exit);
    assertTrue(last.err.startsWith("audit: OLD " + old + ": not a checkpoint of log"), last.err);
  }

  @Test
  void consistency_withACheckpointLargerThanTheLog_isNotExtended() throws Exception {
    KeyPair key = Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY);
    Path ahead = file(new NoteSigner(ORIGIN, key.getPrivate()).sign(
        new TlogCheckpoint(ORIGIN, 50, new byte[32]).body()));

    assertEquals(ExitCodes.FAILURE, audit(connection("consistency", ahead.toString(),
        "--verifier-key", vkey)).exit);
    assertTrue(last.out.startsWith("FAILED: NOT_EXTENDED: "), last.out);
  }

  @Test
  void verify_exportWithTheVerifierKeyAlone_andARangeWithoutAfter() throws Exception {
    Path whole = dir.resolve("whole.jsonl");
    Path range = dir.resolve("range.jsonl");
    assertEquals(0, audit(connection("export", "-o", whole.toString())).exit, last.err);
    assertEquals(0, audit(connection("export", "--from-seq", "4", "-o", range.toString())).exit);

    assertEquals(0, audit("verify", whole.toString(), "--verifier-key", vkey).exit, last.out);
    assertTrue(last.out.startsWith("OK: 10 entries, seq 1..10, chain and Merkle tree match"),
        last.out);
    assertTrue(last.out.endsWith(", note verified with " + nameAndId() + "\n"), last.out);
    assertEquals(0, audit("verify", range.toString(), "--verifier-key", vkey).exit, last.out);
    assertTrue(last.out.startsWith("OK: 7 entries, seq 4..10 (a range: seq 1..3 are not in the"
        + " file, the signed Merkle root places it)"), last.out);
    assertEquals(ExitCodes.FAILURE, audit("verify", range.toString(), "--verifier-key", vkey,
        "--from-seq", "1").exit);
    assertTrue(last.out.startsWith("FAILED at seq 1: HEAD_CUT"), last.out);
  }

  /** The verifier key's name and key id, as messages name it (its base64 may hold '+'). */
  private String nameAndId() {
    return vkey.substring(0, vkey.indexOf('+', vkey.indexOf('+') + 1));
  }

  private void append(int n) {
    AppendBatchRequest.Builder batch = AppendBatchRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      AuditEvent e = Events.registrationFailure();
      eventIds.add(e.getEventId());
      batch.addEvents(e);
    }
    server.stub("auth-backend").appendBatch(batch.build());
    fresh();
  }

  private void fresh() {
    server.stub("auditor").getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build());
  }

  /** The receipt of {@code seq}, as {@code audit prove} prints it. */
  private String prove(long seq) {
    assertEquals(0, audit(connection("prove", "--seq", Long.toString(seq))).exit, last.err);
    return last.out;
  }

  private void assertRefused(String receipt, String verdict) throws Exception {
    assertEquals(ExitCodes.FAILURE, verifyProof(file(receipt)).exit, receipt);
    assertTrue(last.out.startsWith(verdict), last.out);
  }

  private Result verifyProof(Path receipt, String... options) {
    List<String> args = new ArrayList<>(List.of("verify-proof", receipt.toString()));
    if (!List.of(options).contains("--verifier-key")) {
      args.addAll(List.of("--verifier-key", vkey));
    }
    args.addAll(List.of(options));
    return audit(args.toArray(String[]::new));
  }

  private Path file(String text) throws Exception {
    return Files.writeString(Files.createTempFile(dir, "f", ".txt"), text);
  }

  private static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }

  private Result audit(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = AuditCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
        .execute(args);
    last = new Result(exit, out.toString(), err.toString());
    return last;
  }

  private String[] connection(String command, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--target", "localhost:" + server.port(),
        "--cert", TestCerts.pem("auditor").toString(), "--key", TestCerts.key("auditor").toString(),
        "--ca", TestCerts.pem("ca").toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private record Result(int exit, String out, String err) {}
}
