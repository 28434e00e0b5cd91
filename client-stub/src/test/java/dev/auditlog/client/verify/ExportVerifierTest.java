package dev.auditlog.client.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.server.AuditServerExtension;
import java.io.BufferedReader;
import java.io.StringReader;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The offline verifier on export files edited line by line. */
class ExportVerifierTest {
  private static final String LOG = "default";
  private static KeyPair key;
  private static PublicKey trusted;

  @BeforeAll
  static void keys() throws Exception {
    key = Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY);
    trusted = Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY);
  }

  @Test
  void untouchedExport_verifies() throws Exception {
    Verification v = verify(export(entries(10)));

    assertTrue(v.ok(), v.toString());
    assertEquals(10, v.entries());
    assertEquals(10, v.seq());
  }

  @Test
  void emptyLog_withItsCheckpoint_verifies() throws Exception {
    assertTrue(verify(export(entries(0))).ok());
  }

  @Test
  void rangeExport_afterItsPredecessorChainHash_verifies() throws Exception {
    List<EntryFields> all = entries(10);
    List<String> lines = range(all, 4);

    Verification v = verify(lines, Expected.after(Predecessor.of(3, chainUpTo(all, 3))));

    assertTrue(v.ok(), v.toString());
    assertEquals(7, v.entries());
    assertTrue(v.toString().startsWith("OK: 7 entries, seq 4..10 after the trusted chain hash"
        + " of seq 3, chain matches"), v.toString());
  }

  @Test
  void rangeExport_withoutAfter_isHeadCutAtSeq1() throws Exception {
    Verification v = verify(range(entries(10), 4));

    assertFailure(v, Problem.HEAD_CUT, 1);
    assertTrue(v.message().startsWith("the export starts at seq 4: entries 1..3 are not in it"),
        v.message());
  }

  @Test
  void verify_headerOnlyExport_isHeadCut() throws Exception {
    List<EntryFields> all = entries(10);
    List<String> headerOnly = List.of(ExportFormat.headerLine(LOG, 11, 10, chainUpTo(all, 10)),
        checkpointLine(key, 10, chainUpTo(all, 10)));

    assertFailure(verify(headerOnly), Problem.HEAD_CUT, 1);
  }

  @Test
  void verify_headerOnlyExport_afterItsCheckpoint_verifiesNoEntries() throws Exception {
    List<EntryFields> all = entries(10);
    String checkpoint = checkpointLine(key, 10, chainUpTo(all, 10));
    List<String> headerOnly =
        List.of(ExportFormat.headerLine(LOG, 11, 10, chainUpTo(all, 10)), checkpoint);

    Verification v = verify(headerOnly,
        Expected.after(Predecessor.ofCheckpoint(checkpoint, trusted)));

    assertTrue(v.ok(), v.toString());
    assertEquals(0, v.entries());
  }

  @Test
  void leadingEntriesDropped_headerEditedToMatch_isHeadCut() throws Exception {
    List<EntryFields> all = entries(10);
    List<String> lines = export(all);
    lines.subList(0, 4).clear();
    lines.add(0, ExportFormat.headerLine(LOG, 4, 10, chainUpTo(all, 3)));

    assertFailure(verify(lines), Problem.HEAD_CUT, 1);
  }

  @Test
  void rangeExport_afterEachFormOfTheRightPredecessor_verifies() throws Exception {
    List<EntryFields> all = entries(10);
    List<String> lines = range(all, 4);
    String chain3 = chainUpTo(all, 3);

    for (Predecessor p : List.of(Predecessor.ofCheckpoint(checkpointLine(key, 3, chain3), trusted),
        Predecessor.of(3, chain3), Predecessor.ofChainHash(chain3.toUpperCase()))) {
      Verification v = verify(lines, Expected.after(p));
      assertTrue(v.ok(), p + ": " + v);
    }
  }

  @Test
  void rangeExport_afterAWrongPredecessor_isPredecessorMismatch() throws Exception {
    List<EntryFields> all = entries(10);
    List<String> lines = range(all, 4);
    String chain2 = chainUpTo(all, 2);
    String chain3 = chainUpTo(all, 3);

    assertMismatch(lines, Predecessor.of(2, chain2), 3);
    assertMismatch(lines, Predecessor.of(3, chain2), 4);
    assertMismatch(lines, Predecessor.ofChainHash(chain2), 4);
    assertMismatch(lines, Predecessor.of(5, chainUpTo(all, 5)), 4);
    assertMismatch(lines, Predecessor.ofCheckpoint(checkpointLine(key, 2, chain2), trusted), 3);
    assertMismatch(lines, Predecessor.of(3, EntryHasher.GENESIS_CHAIN_HASH), 4);
    assertTrue(verify(lines, Expected.after(Predecessor.of(3, chain3))).ok());
  }

  @Test
  void wholeExport_afterSeq0AndTheGenesisHash_verifies() throws Exception {
    Verification v = verify(export(entries(3)),
        Expected.after(Predecessor.of(0, EntryHasher.GENESIS_CHAIN_HASH)));

    assertTrue(v.ok(), v.toString());
  }

  @Test
  void rangeExport_afterACheckpointOfAnotherLog_isWrongLog() throws Exception {
    List<EntryFields> all = entries(10);
    String other = checkpointLine(key, "other", 3, chainUpTo(all, 3));

    Verification v = verify(range(all, 4),
        Expected.after(Predecessor.ofCheckpoint(other, trusted)));

    assertFailure(v, Problem.WRONG_LOG, 4);
  }

  @Test
  void predecessorCheckpoint_signedByAnotherKey_isRefused() throws Exception {
    String forged = checkpointLine(Ed25519Keys.generate(), 3, chainUpTo(entries(3), 3));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Predecessor.ofCheckpoint(forged, trusted));
    assertTrue(e.getMessage().contains("not the trusted key"), e.getMessage());
  }

  @Test
  void toSeqEditedBelowTheCheckpoint_isMalformedAtTheCheckpointsSeq() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log);
    lines.set(0, ExportFormat.headerLine(LOG, 1, 9, EntryHasher.GENESIS_CHAIN_HASH));

    Verification v = verify(lines);

    assertFailure(v, Problem.MALFORMED, 10);
    assertTrue(v.message().contains("to_seq is 9"), v.message());
  }

  @Test
  void toSeqEditedAboveTheCheckpoint_isMalformed() throws Exception {
    List<String> lines = export(entries(10));
    lines.set(0, ExportFormat.headerLine(LOG, 1, 12, EntryHasher.GENESIS_CHAIN_HASH));

    assertFailure(verify(lines), Problem.MALFORMED, 10);
  }

  @Test
  void tailCutWithToSeqEditedToMatch_isTailCut() throws Exception {
    List<String> lines = export(entries(10));
    lines.subList(9, 11).clear();
    lines.set(0, ExportFormat.headerLine(LOG, 1, 8, EntryHasher.GENESIS_CHAIN_HASH));

    assertFailure(verify(lines), Problem.TAIL_CUT, 9);
  }

  @Test
  void expectedLogId_matching_verifies() throws Exception {
    Verification v = verify(export(entries(3)), Expected.fromStart().withLogId(LOG));

    assertTrue(v.ok(), v.toString());
    assertTrue(v.message().contains("log 'default'"), v.message());
  }

  @Test
  void expectedLogId_otherThanTheHeaders_isWrongLog() throws Exception {
    Verification v = verify(export(entries(3)), Expected.fromStart().withLogId("payments"));

    assertFailure(v, Problem.WRONG_LOG, 1);
    assertTrue(v.message().contains("'default', expected 'payments'"), v.message());
  }

  @Test
  void checkpointOfAnotherLog_isWrongLogWhenALogIsExpected_elseMalformed() throws Exception {
    List<EntryFields> log = entries(3);
    List<String> lines = export(log);
    lines.set(4, checkpointLine(key, "payments", 3, chainUpTo(log, 3)));

    assertFailure(verify(lines, Expected.fromStart().withLogId(LOG)), Problem.WRONG_LOG, 3);
    assertFailure(verify(lines), Problem.MALFORMED, 3);
  }

  @Test
  void expectedLogId_otherThanThePredecessorCheckpoints_isRefused() {
    Predecessor p = Predecessor.ofCheckpoint(checkpointLine(key, 0,
        EntryHasher.GENESIS_CHAIN_HASH), trusted);

    assertThrows(IllegalArgumentException.class, () -> Expected.after(p).withLogId("payments"));
    assertEquals(LOG, Expected.after(p).logId());
  }

  @Test
  void changedField_isFieldChangedAtItsSeq() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log);
    lines.set(4, entryLine(with(log.get(3), "user_id", "someone-else"), hashLine(lines.get(4))));

    assertFailure(verify(lines), Problem.FIELD_CHANGED, 4);
  }

  @Test
  void changedRecordedAt_isFieldChangedAtItsSeq() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log);
    lines.set(7, entryLine(with(log.get(6), "recorded_at", "2026-11-23T09:15:07.000001Z"),
        hashLine(lines.get(7))));

    assertFailure(verify(lines), Problem.FIELD_CHANGED, 7);
  }

  @Test
  void deletedEntry_isEntryMissingAtItsSeq() throws Exception {
    List<String> lines = export(entries(10));
    lines.remove(5);

    assertFailure(verify(lines), Problem.ENTRY_MISSING, 5);
  }

  @Test
  void swappedEntries_areReorderedAtTheFirst() throws Exception {
    List<String> lines = export(entries(10));
    Collections.swap(lines, 3, 4);

    assertFailure(verify(lines), Problem.ENTRIES_REORDERED, 3);
  }

  @Test
  void forgedEntryWithRecomputedHashes_insertedBeforeSeq6_isEntryInsertedAt6() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log);
    EntryFields forged = with(log.get(5), "user_id", "forged");
    String hash = EntryHasher.entryHash(forged);
    String chain = EntryHasher.chainHash(chainUpTo(log, 5), hash);
    lines.add(6, ExportFormat.entryLine(forged, hash, chain));

    assertFailure(verify(lines), Problem.ENTRY_INSERTED, 6);
  }

  @Test
  void forgedEntryWithRecomputedEntryHashOnly_isEntryInsertedAtItsSeq() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log);
    EntryFields forged = with(log.get(5), "user_id", "forged");
    lines.add(6, ExportFormat.entryLine(forged, EntryHasher.entryHash(forged), chainUpTo(log, 6)));

    assertFailure(verify(lines), Problem.ENTRY_INSERTED, 6);
  }

  @Test
  void lastEntriesRemoved_isTailCutAfterTheLastOneLeft() throws Exception {
    List<String> lines = export(entries(10));
    lines.remove(10);
    lines.remove(9);

    assertFailure(verify(lines), Problem.TAIL_CUT, 9);
  }

  @Test
  void checkpointLineRemoved_isTailCut() throws Exception {
    List<String> lines = export(entries(10));
    lines.remove(11);

    assertFailure(verify(lines), Problem.TAIL_CUT, 11);
  }

  @Test
  void checkpointSignedByAnotherKey_isSignatureInvalid() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log);
    lines.set(11, checkpointLine(Ed25519Keys.generate(), 10, chainUpTo(log, 10)));

    Verification v = verify(lines);

    assertFailure(v, Problem.SIGNATURE_INVALID, 10);
    assertTrue(v.message().contains("not the trusted key"), v.message());
  }

  @Test
  void cutTailWithACheckpointForgedToMatch_isSignatureInvalid() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log);
    lines.subList(9, 12).clear();
    lines.add(checkpointLine(Ed25519Keys.generate(), 8, chainUpTo(log, 8)));

    assertFailure(verify(lines), Problem.SIGNATURE_INVALID, 8);
  }

  @Test
  void entriesRewrittenWithEveryHashRecomputed_breakTheChainAgainstTheCheckpoint()
      throws Exception {
    List<EntryFields> log = entries(10);
    List<EntryFields> rewritten = new ArrayList<>(log);
    rewritten.set(5, with(log.get(5), "outcome", "OUTCOME_SUCCESS"));
    List<String> lines = lines(rewritten, 1);
    lines.add(checkpointLine(key, 10, chainUpTo(log, 10)));

    assertFailure(verify(lines), Problem.CHAIN_BROKEN, 10);
  }

  @Test
  void duplicateMember_isMalformed() throws Exception {
    List<String> lines = export(entries(3));
    lines.set(2, lines.get(2).replace("{\"action\"", "{\"user_id\":\"x\",\"action\""));

    assertFailure(verify(lines), Problem.MALFORMED, 2);
  }

  @Test
  void loneSurrogateEscapeInUserId_hashedAsQuestionMark_isMalformedNamingTheMember()
      throws Exception {
    List<EntryFields> log = entries(10);
    log.set(3, with(log.get(3), "user_id", "user-?"));
    List<String> lines = export(log);
    lines.set(4, lines.get(4).replace("\"user-?\"", "\"user-\\ud800\""));

    Verification v = verify(lines);

    assertFailure(v, Problem.MALFORMED, 4);
    assertTrue(v.message().contains("member user_id holds an unpaired surrogate U+D800"),
        v.message());
  }

  @Test
  void loneSurrogateEscapeInAMapValue_isMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    log.set(5, withAttributes(log.get(5), Map.of("note", "?")));
    List<String> lines = export(log);
    lines.set(6, lines.get(6).replace("\"note\":\"?\"", "\"note\":\"\\udc00\""));

    Verification v = verify(lines);

    assertFailure(v, Problem.MALFORMED, 6);
    assertTrue(v.message().contains("member attributes: the value of a key"), v.message());
  }

  @Test
  void loneSurrogateEscapeInAMapKey_isMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    log.set(5, withAttributes(log.get(5), Map.of("?", "note")));
    List<String> lines = export(log);
    lines.set(6, lines.get(6).replace("\"?\":\"note\"", "\"\\ud83d\":\"note\""));

    Verification v = verify(lines);

    assertFailure(v, Problem.MALFORMED, 6);
    assertTrue(v.message().contains("member attributes: a key"), v.message());
  }

  @Test
  void nulEscapeInUserId_withHashesRecomputed_isMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    log.set(3, with(log.get(3), "user_id", "user-\0"));
    List<String> lines = export(log);

    Verification v = verify(lines);

    assertFailure(v, Problem.MALFORMED, 4);
    assertTrue(v.message().contains("member user_id holds U+0000"), v.message());
  }

  @Test
  void surrogatePairEscapes_verify() throws Exception {
    List<EntryFields> log = entries(3);
    log.set(1, withAttributes(log.get(1), Map.of("\ud83d\ude00", "\ud83d\ude00")));
    List<String> lines = export(log);
    lines.set(2, lines.get(2).replace("\ud83d\ude00", "\\ud83d\\ude00"));

    assertTrue(lines.get(2).contains("{\"\\ud83d\\ude00\":\"\\ud83d\\ude00\"}"));
    assertTrue(verify(lines).ok(), verify(lines).toString());
  }

  private static void assertMismatch(List<String> lines, Predecessor p, long seq)
      throws Exception {
    assertFailure(verify(lines, Expected.after(p)), Problem.PREDECESSOR_MISMATCH, seq);
  }

  private static void assertFailure(Verification v, Problem problem, long seq) {
    assertEquals(problem, v.problem(), v.toString());
    assertEquals(seq, v.seq(), v.toString());
  }

  private static Verification verify(List<String> lines) throws Exception {
    return ExportVerifier.verify(
        new BufferedReader(new StringReader(String.join("\n", lines) + "\n")), trusted);
  }

  private static Verification verify(List<String> lines, Expected expected) throws Exception {
    return ExportVerifier.verify(
        new BufferedReader(new StringReader(String.join("\n", lines) + "\n")), trusted,
        expected);
  }

  static List<EntryFields> entries(int n) {
    List<EntryFields> entries = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      entries.add(new EntryFields(i, String.format("2026-11-23T09:15:%02d.123456Z", i),
          String.format("0b9d6c52-3f1e-4a7b-9c2d-%012d", i), "user-" + i, "user.login",
          "tenant/acme", "192.0.2." + i, "OUTCOME_FAILURE", "", Map.of("risk_score", "0.9" + i),
          Map.of(), "auth-backend"));
    }
    return entries;
  }

  /** The whole export of {@code log}: header, entries, checkpoint of the last. */
  private static List<String> export(List<EntryFields> log) {
    List<String> lines = lines(log, 1);
    lines.add(checkpointLine(key, log.size(), chainUpTo(log, log.size())));
    return lines;
  }

  /** The export of {@code log} from seq {@code from}, as the server writes it. */
  private static List<String> range(List<EntryFields> log, int from) {
    List<String> lines = new ArrayList<>();
    lines.add(ExportFormat.headerLine(LOG, from, log.size(), chainUpTo(log, from - 1)));
    lines.addAll(export(log).subList(from, log.size() + 2));
    return lines;
  }

  private static List<String> lines(List<EntryFields> log, long from) {
    List<String> lines = new ArrayList<>();
    lines.add(ExportFormat.headerLine(LOG, from, log.size(), EntryHasher.GENESIS_CHAIN_HASH));
    String chain = EntryHasher.GENESIS_CHAIN_HASH;
    for (EntryFields e : log) {
      String hash = EntryHasher.entryHash(e);
      chain = EntryHasher.chainHash(chain, hash);
      lines.add(ExportFormat.entryLine(e, hash, chain));
    }
    return lines;
  }

  private static String chainUpTo(List<EntryFields> log, int seq) {
    String chain = EntryHasher.GENESIS_CHAIN_HASH;
    for (EntryFields e : log.subList(0, seq)) {
      chain = EntryHasher.chainHash(chain, EntryHasher.entryHash(e));
    }
    return chain;
  }

  private static String checkpointLine(KeyPair signer, long seq, String chain) {
    return checkpointLine(signer, LOG, seq, chain);
  }

  private static String checkpointLine(KeyPair signer, String log, long seq, String chain) {
    CheckpointPayload p = new CheckpointPayload(log, seq, chain, "2026-11-23T10:00:00.000000Z");
    try {
      return ExportFormat.checkpointLine(p, Ed25519Keys.keyId(signer.getPublic()),
          p.sign(signer.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The stored hashes of an entry line: [entry_hash, chain_hash]. */
  private static String[] hashLine(String line) throws Exception {
    ExportLine.EntryLine e = (ExportLine.EntryLine) ExportLineParser.parse(line);
    return new String[] {e.entryHash(), e.chainHash()};
  }

  private static String entryLine(EntryFields fields, String[] hashes) {
    return ExportFormat.entryLine(fields, hashes[0], hashes[1]);
  }

  private static EntryFields withAttributes(EntryFields e, Map<String, String> attributes) {
    return new EntryFields(e.seq(), e.recordedAt(), e.eventId(), e.userId(), e.action(),
        e.target(), e.sourceIp(), e.outcome(), e.occurredAt(), e.riskSignals(), attributes,
        e.producer());
  }

  private static EntryFields with(EntryFields e, String field, String value) {
    return new EntryFields(e.seq(),
        field.equals("recorded_at") ? value : e.recordedAt(), e.eventId(),
        field.equals("user_id") ? value : e.userId(), e.action(), e.target(), e.sourceIp(),
        field.equals("outcome") ? value : e.outcome(), e.occurredAt(), e.riskSignals(),
        e.attributes(), e.producer());
  }
}
