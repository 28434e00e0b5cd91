package dev.auditlog.client.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.tlog.CosignatureSigner;
import dev.auditlog.integrity.tlog.CosignatureVerifier;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogProof;
import dev.auditlog.server.AuditServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Receipts ({@code docs/receipt-format.md}): the sample {@code
 * docs/test-vectors/receipt-v1.tlog-proof}, written by Python with openssl signatures (the
 * log's and a witness's), verifies and is what the Java code writes; every part of it edited
 * is refused with its problem.
 */
class ReceiptVerifierTest {
  private static final Path VECTORS = AuditServerExtension.SIGNING_PUBLIC_KEY.getParent();
  private static final NoteVerifier LOG = NoteVerifier.parse(
      "localhost/audit/default+ee82770f+AbexrE+nwNXh+xZqw8tEXUKtChgs+o6A165UM7R49G6S");
  private static final CosignatureVerifier WITNESS = CosignatureVerifier.parse(
      "witness.example+19050e92+BHhUfsyuJdqlaTmcVXg8xrzie6CItKlEscVgnDaINdsX");
  private static final CosignatureVerifier OTHER_WITNESS = new CosignatureVerifier(
      "witness2.example", Ed25519Keys.generate().getPublic());

  private final String sample = read("receipt-v1.tlog-proof");

  @Test
  void sample_verifiesWithTheLogsKeyAndItsWitness() {
    ReceiptVerification v = new ReceiptVerifier(LOG, List.of(WITNESS), 1).verify(sample, null);

    assertTrue(v.ok(), v.toString());
    assertEquals("OK: entry seq 5 (event 4f5b0a96-7d5c-4ebf-9a6b-9c2d5e6f7081, profile.update,"
        + " recorded at 2026-11-23T09:19:12.345678Z) is leaf 4 of the tree of size 8 of log"
        + " 'localhost/audit/default', signed by localhost/audit/default+ee82770f, cosigned by"
        + " 1 of 1 witnesses: witness.example at 2026-11-18T11:06:40Z", v.toString());
  }

  @Test
  void sample_isWhatTheJavaCodeWrites() throws Exception {
    TlogProof parsed = TlogProof.parse(sample);
    Note logSigned = new Note(parsed.checkpoint().text(),
        parsed.checkpoint().signatures().subList(0, 1));
    CosignatureSigner witness = new CosignatureSigner("witness.example",
        Ed25519Keys.readKeyPair(VECTORS.resolve("witness-test-key.pem")).getPrivate());

    TlogProof written = InclusionReceipt.of(InclusionReceipt.entry(parsed), parsed.inclusionProof(),
        witness.cosign(logSigned, 1_795_000_000L));

    assertEquals(sample, written.format());
    assertEquals(WITNESS.verifierKey(), witness.verifierKey());
  }

  @Test
  void eachProofHashFlipped_isInclusionInvalid() {
    TlogProof p = TlogProof.parse(sample);
    for (int i = 0; i < p.inclusionProof().size(); i++) {
      List<byte[]> hashes = p.inclusionProof();
      hashes.get(i)[i] ^= 0x20;
      String edited = new TlogProof(p.extra(), p.index(), hashes, p.checkpoint()).format();

      assertFailure(verify(edited), ReceiptProblem.INCLUSION_INVALID, 5);
    }
  }

  @Test
  void proofHashDroppedOrAdded_isInclusionInvalid() {
    TlogProof p = TlogProof.parse(sample);
    List<byte[]> shorter = p.inclusionProof().subList(0, 2);
    List<byte[]> longer = new ArrayList<>(p.inclusionProof());
    longer.add(new byte[32]);

    for (List<byte[]> hashes : List.of(shorter, longer)) {
      assertFailure(verify(new TlogProof(p.extra(), p.index(), hashes, p.checkpoint()).format()),
          ReceiptProblem.INCLUSION_INVALID, 5);
    }
  }

  @Test
  void indexChanged_isEntryMismatch() {
    for (String index : List.of("index 3", "index 5", "index 0")) {
      assertFailure(verify(sample.replace("index 4", index)), ReceiptProblem.ENTRY_MISMATCH, 5);
    }
  }

  @Test
  void entryChangedInTheExtraData_isInclusionInvalid() {
    TlogProof p = TlogProof.parse(sample);
    EntryFields e = InclusionReceipt.entry(p);
    EntryFields changed = new EntryFields(e.seq(), e.recordedAt(), e.eventId(), "mallory",
        e.action(), e.target(), e.sourceIp(), e.outcome(), e.occurredAt(), e.riskSignals(),
        e.attributes(), e.producer());

    assertFailure(verify(InclusionReceipt.of(changed, p.inclusionProof(), p.checkpoint()).format()),
        ReceiptProblem.INCLUSION_INVALID, 5);
  }

  @Test
  void entryRenumberedWithTheIndex_isInclusionInvalid() {
    TlogProof p = TlogProof.parse(sample);
    EntryFields moved = InclusionReceipt.entry(p).withSeq(6);

    assertFailure(verify(InclusionReceipt.of(moved, p.inclusionProof(), p.checkpoint()).format()),
        ReceiptProblem.INCLUSION_INVALID, 6);
  }

  @Test
  void extraDataNotCanonicalOrNotAnEntry_isMalformed() {
    TlogProof p = TlogProof.parse(sample);
    String json = new String(p.extra(), StandardCharsets.UTF_8);
    for (String extra : List.of(json.replace(",\"v\":1}", ", \"v\":1}"),
        json.replace(",\"v\":1}", ",\"v\":2}"), json.replace(",\"v\":1}", "}"), "not json")) {
      String edited = new TlogProof(extra.getBytes(StandardCharsets.UTF_8), p.index(),
          p.inclusionProof(), p.checkpoint()).format();

      assertFailure(verify(edited), ReceiptProblem.MALFORMED, 0);
    }
  }

  @Test
  void notAReceipt_isMalformed() {
    assertFailure(verify("c2sp.org/tlog-proof@v2\n" + sample.substring(sample.indexOf('\n'))),
        ReceiptProblem.MALFORMED, 0);
    assertFailure(verify(sample.replace("index 4", "index 04")), ReceiptProblem.MALFORMED, 0);
  }

  @Test
  void logSignatureChanged_isSignatureInvalid() {
    String edited = sample.replace("default 7oJ3D9/tVSfM", "default 7oJ3D9/tVSfN");

    assertFailure(verify(edited), ReceiptProblem.SIGNATURE_INVALID, 5);
  }

  @Test
  void rootInTheCheckpointChanged_isSignatureInvalid() {
    String edited = sample.replace("\n+YOeB0C", "\n+YOeB0D");

    assertFailure(verify(edited), ReceiptProblem.SIGNATURE_INVALID, 5);
  }

  @Test
  void wrongVerifierKey_isSignatureInvalid_orWrongLogForAnotherName() {
    NoteVerifier otherKey = new NoteVerifier(LOG.name(), Ed25519Keys.generate().getPublic());
    NoteVerifier otherLog = new NoteVerifier("localhost/audit/payments", LOG.publicKey());

    assertFailure(new ReceiptVerifier(otherKey, List.of(), 0).verify(sample, null),
        ReceiptProblem.SIGNATURE_INVALID, 5);
    assertFailure(new ReceiptVerifier(otherLog, List.of(), 0).verify(sample, null),
        ReceiptProblem.WRONG_LOG, 5);
  }

  @Test
  void tooFewWitnesses_isTooFewWitnesses() {
    List<CosignatureVerifier> both = List.of(WITNESS, OTHER_WITNESS);

    ReceiptVerification all = new ReceiptVerifier(LOG, both, 2).verify(sample, null);
    assertFailure(all, ReceiptProblem.TOO_FEW_WITNESSES, 5);
    assertTrue(all.message().startsWith("2 of the 2 witnesses given must have cosigned the"
        + " checkpoint, 1 did: witness.example at "), all.message());
    assertTrue(new ReceiptVerifier(LOG, both, 1).verify(sample, null).ok());
    assertTrue(new ReceiptVerifier(LOG, List.of(WITNESS, WITNESS), 1).verify(sample, null).ok(),
        "a key given twice counts once");
  }

  @Test
  void witnessCosignatureChanged_doesNotCount() {
    String edited = sample.replace("witness.example GQUOkgAAAABq/YbAnFAC",
        "witness.example GQUOkgAAAABq/YbAnFAD");

    assertFailure(new ReceiptVerifier(LOG, List.of(WITNESS), 1).verify(edited, null),
        ReceiptProblem.TOO_FEW_WITNESSES, 5);
    assertTrue(new ReceiptVerifier(LOG, List.of(), 0).verify(edited, null).ok(),
        "a cosignature nobody asked for is ignored");
  }

  @Test
  void entryGivenApart_mustBeTheReceiptsOne() {
    TlogProof p = TlogProof.parse(sample);
    EntryFields e = InclusionReceipt.entry(p);
    String bare = new TlogProof(null, p.index(), p.inclusionProof(), p.checkpoint()).format();
    ReceiptVerifier verifier = new ReceiptVerifier(LOG, List.of(), 0);

    assertTrue(verifier.verify(sample, e).ok());
    assertTrue(verifier.verify(bare, e).ok(), "an entry given apart stands in for extra data");
    assertFailure(verifier.verify(sample, e.withSeq(4)), ReceiptProblem.ENTRY_MISMATCH, 5);
    assertFailure(verifier.verify(bare, e.withSeq(4)), ReceiptProblem.ENTRY_MISMATCH, 4);
    assertThrows(IllegalArgumentException.class, () -> verifier.verify(bare, null));
  }

  @Test
  void parseEntry_takesAnExportEntryLineOrTheHashedObject() throws Exception {
    EntryFields e = InclusionReceipt.entry(TlogProof.parse(sample));
    String line = Files.readString(VECTORS.resolve("export-v1.jsonl")).split("\n")[5];

    assertEquals(e, InclusionReceipt.parseEntry(line + "\n"));
    assertEquals(e, InclusionReceipt.parseEntry(EntryHasher.canonicalJson(e)));
    assertThrows(IllegalArgumentException.class,
        () -> InclusionReceipt.parseEntry(line.replace("\"seq\":5", "\"seq\":6")));
    assertThrows(IllegalArgumentException.class,
        () -> InclusionReceipt.parseEntry(Files.readString(VECTORS.resolve("export-v1.jsonl"))
            .split("\n")[0]));
  }

  @Test
  void witnessPolicy_outOfRangeOrTwoKeysForOneName_isRefused() {
    CosignatureVerifier impostor = new CosignatureVerifier(WITNESS.name(),
        Ed25519Keys.generate().getPublic());

    assertThrows(IllegalArgumentException.class,
        () -> new ReceiptVerifier(LOG, List.of(WITNESS), 2));
    assertThrows(IllegalArgumentException.class,
        () -> new ReceiptVerifier(LOG, List.of(WITNESS), -1));
    assertThrows(IllegalArgumentException.class,
        () -> new ReceiptVerifier(LOG, List.of(WITNESS, impostor), 1));
  }

  @Test
  void extraData_isTheEntrysCanonicalJsonInBase64() {
    TlogProof p = TlogProof.parse(sample);
    String extraLine = sample.split("\n")[1];

    assertEquals("extra " + Base64.getEncoder().encodeToString(p.extra()), extraLine);
    assertEquals(EntryHasher.canonicalJson(InclusionReceipt.entry(p)),
        new String(p.extra(), StandardCharsets.UTF_8));
    assertEquals(Map.of("note", "na\u00efve caf\u00e9"), InclusionReceipt.entry(p).riskSignals());
  }

  private static ReceiptVerification verify(String receipt) {
    return new ReceiptVerifier(LOG, List.of(), 0).verify(receipt, null);
  }

  private static void assertFailure(ReceiptVerification v, ReceiptProblem problem, long seq) {
    assertEquals(problem, v.problem(), v.toString());
    assertEquals(seq, v.seq(), v.toString());
  }

  private static String read(String name) {
    try {
      return Files.readString(VECTORS.resolve(name), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
