package dev.auditlog.client.verify;

import static dev.auditlog.client.verify.TreeExports.LOG;
import static dev.auditlog.client.verify.TreeExports.ORIGIN;
import static dev.auditlog.client.verify.TreeExports.chainUpTo;
import static dev.auditlog.client.verify.TreeExports.checkpointLine;
import static dev.auditlog.client.verify.TreeExports.entryLines;
import static dev.auditlog.client.verify.TreeExports.export;
import static dev.auditlog.client.verify.TreeExports.frontier;
import static dev.auditlog.client.verify.TreeExports.note;
import static dev.auditlog.client.verify.TreeExports.range;
import static dev.auditlog.client.verify.TreeExports.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ExportFormat;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.NoteSigner;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.server.AuditServerExtension;
import java.io.BufferedReader;
import java.io.StringReader;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Version-2 exports: the Merkle tree is checked on its own beside the chain, a range verifies
 * without a predecessor where the frontier and the signed root place it, and the note must
 * state the signed tree. Files edited the ways an attacker would.
 */
class TreeExportVerifierTest {
  private static KeyPair key;
  private static PublicKey trusted;
  private static NoteVerifier vkey;

  @BeforeAll
  static void keys() throws Exception {
    key = Ed25519Keys.readKeyPair(AuditServerExtension.SIGNING_KEY);
    trusted = Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY);
    vkey = NoteVerifier.parse(new NoteSigner(ORIGIN, key.getPrivate()).verifierKey());
  }

  @Test
  void untouchedExport_verifiesChainAndTree() throws Exception {
    Verification v = verify(export(entries(10), key), Expected.fromStart().withVerifierKey(vkey));

    assertTrue(v.ok(), v.toString());
    assertEquals("OK: 10 entries, seq 1..10, chain and Merkle tree match the checkpoint of log"
        + " 'default' recorded at 2026-11-23T10:00:00.000000Z, signed by key "
        + Ed25519Keys.keyId(trusted) + ", note verified with " + ORIGIN + "+"
        + String.format("%08x", vkey.keyId()), v.toString());
  }

  @Test
  void emptyLog_withTheEmptyTreesRoot_verifies() throws Exception {
    List<String> lines = export(entries(0), key);

    assertEquals(HexFormat.of().formatHex(Merkle.emptyRoot()), root(entries(0), 0));
    assertTrue(verify(lines).ok(), verify(lines).toString());
  }

  @Test
  void range_withoutAfter_isPlacedByTheTree_andSaysWhichRange() throws Exception {
    for (int from = 2; from <= 11; from++) {
      Verification v = verify(range(entries(10), from, key));

      assertTrue(v.ok(), from + ": " + v);
      assertTrue(v.message().startsWith((11 - from) + " entries, seq " + from + "..10 (a range:"
          + " seq 1.." + (from - 1) + " are not in the file, the signed Merkle root places it)"),
          v.message());
    }
  }

  @Test
  void range_afterItsPredecessor_checksBothAnchors() throws Exception {
    List<EntryFields> log = entries(10);

    Verification v = verify(range(log, 4, key),
        Expected.after(Predecessor.of(3, chainUpTo(log, 3))));

    assertTrue(v.ok(), v.toString());
    assertTrue(v.message().startsWith("7 entries, seq 4..10 after the trusted chain hash of seq"
        + " 3, chain and Merkle tree match"), v.message());
  }

  @Test
  void range_fromSeq_demandsWhereItStarts() throws Exception {
    List<String> lines = range(entries(10), 4, key);

    assertTrue(verify(lines, Expected.fromStart().withFromSeq(4)).ok());
    Verification whole = verify(lines, Expected.fromStart().withFromSeq(1));
    assertFailure(whole, Problem.HEAD_CUT, 1);
    assertTrue(whole.message().contains("entries 1..3 are not in it"), whole.message());
    assertFailure(verify(lines, Expected.fromStart().withFromSeq(5)), Problem.HEAD_CUT, 4);
  }

  /**
   * The attack a range without a predecessor allows: drop the leading entries of a whole
   * export and rewrite the header with the frontier of what was dropped. What is left is the
   * log's true range, and the verifier says so; --from-seq 1 refuses it.
   */
  @Test
  void leadingEntriesDropped_headerAndFrontierRewritten_verifiesOnlyAsTheRangeItIs()
      throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log, key);
    lines.subList(0, 4).clear();
    lines.add(0, ExportFormat.headerLine(LOG, 4, 10, chainUpTo(log, 3), frontier(log, 3)));

    assertTrue(verify(lines).message().startsWith("7 entries, seq 4..10 (a range"));
    assertFailure(verify(lines, Expected.fromStart().withFromSeq(1)), Problem.HEAD_CUT, 1);
  }

  @Test
  void leadingEntriesDropped_withoutAFrontier_isHeadCut() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log, key);
    lines.subList(0, 4).clear();
    lines.add(0, ExportFormat.headerLine(LOG, 4, 10, chainUpTo(log, 3), List.of()));

    assertFailure(verify(lines), Problem.HEAD_CUT, 1);
  }

  @Test
  void leadingEntriesDropped_frontierOfAnotherSize_isFrontierMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log, key);
    lines.subList(0, 4).clear();
    lines.add(0, ExportFormat.headerLine(LOG, 4, 10, chainUpTo(log, 3), frontier(log, 2)));

    assertFailure(verify(lines), Problem.FRONTIER_MALFORMED, 4);
  }

  /** The checkpoint signed over the rewritten chain, but with the true root: the tree sees it. */
  @Test
  void entryChangedWithItsChainRecomputed_isCaughtByTheTree() throws Exception {
    List<EntryFields> log = entries(10);
    List<EntryFields> forged = new ArrayList<>(log);
    forged.set(3, with(log.get(3), "mallory"));
    List<String> lines = export(forged, key);
    lines.set(11, checkpointLine(key, 10, chainUpTo(forged, 10), root(log, 10)));

    assertFailure(verify(lines), Problem.MERKLE_ROOT_MISMATCH, 10);
  }

  /** The converse: the tree signed over the rewritten entries, the chain hash the true one. */
  @Test
  void entryChangedWithTheRootRecomputed_isCaughtByTheChain() throws Exception {
    List<EntryFields> log = entries(10);
    List<EntryFields> forged = new ArrayList<>(log);
    forged.set(3, with(log.get(3), "mallory"));
    List<String> lines = export(forged, key);
    lines.set(11, checkpointLine(key, 10, chainUpTo(log, 10), root(forged, 10)));

    assertFailure(verify(lines), Problem.CHAIN_BROKEN, 10);
  }

  @Test
  void frontierHashChanged_isMerkleRootMismatch() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = range(log, 6, key);
    List<byte[]> frontier = frontier(log, 5);
    frontier.get(1)[31] ^= 1;
    lines.set(0, ExportFormat.headerLine(LOG, 6, 10, chainUpTo(log, 5), frontier));

    assertFailure(verify(lines), Problem.MERKLE_ROOT_MISMATCH, 10);
  }

  @Test
  void frontierOfTheWrongLength_isFrontierMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = range(log, 6, key);
    List<byte[]> frontier = frontier(log, 5);
    frontier.add(frontier.get(0));
    lines.set(0, ExportFormat.headerLine(LOG, 6, 10, chainUpTo(log, 5), frontier));

    assertFailure(verify(lines), Problem.FRONTIER_MALFORMED, 6);
  }

  @Test
  void frontierRemoved_inARangeAfterItsPredecessor_isFrontierMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = range(log, 6, key);
    lines.set(0, ExportFormat.headerLine(LOG, 6, 10, chainUpTo(log, 5), List.of()));

    assertFailure(verify(lines, Expected.after(Predecessor.of(5, chainUpTo(log, 5)))),
        Problem.FRONTIER_MALFORMED, 6);
  }

  @Test
  void frontierWithACheckpointWithoutRoot_isFrontierMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = range(log, 6, key);
    CheckpointPayload p = new CheckpointPayload(LOG, 10, chainUpTo(log, 10),
        TreeExports.RECORDED_AT);
    lines.set(6, ExportFormat.checkpointLine(p, Ed25519Keys.keyId(trusted),
        p.sign(key.getPrivate())));

    assertFailure(verify(lines), Problem.FRONTIER_MALFORMED, 6);
  }

  @Test
  void rootHashInTheNoteChanged_isNoteInvalid() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log, key);
    String other = root(log, 9);
    lines.set(11, checkpointLine(key, 10, chainUpTo(log, 10), root(log, 10),
        note(key, ORIGIN, 10, other)));

    Verification v = verify(lines);

    assertFailure(v, Problem.NOTE_INVALID, 10);
    assertTrue(v.message().contains("the note states tree size 10 and root " + other), v.message());
  }

  @Test
  void noteWithAByteOfItsRootFlipped_isNoteInvalid() throws Exception {
    List<String> lines = export(entries(10), key);
    String line = lines.get(11);
    int at = line.indexOf("\\n10\\n") + 6;
    char c = line.charAt(at);
    lines.set(11, line.substring(0, at) + (c == 'A' ? 'B' : 'A') + line.substring(at + 1));

    assertFailure(verify(lines), Problem.NOTE_INVALID, 10);
  }

  @Test
  void noteSignedByAnotherKey_isNoteInvalid() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log, key);
    lines.set(11, checkpointLine(key, 10, chainUpTo(log, 10), root(log, 10),
        note(Ed25519Keys.generate(), ORIGIN, 10, root(log, 10))));

    Verification v = verify(lines);

    assertFailure(v, Problem.NOTE_INVALID, 10);
    assertTrue(v.message().contains("not signed by key"), v.message());
  }

  @Test
  void noteOfAnotherLog_isNoteInvalid() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log, key);
    lines.set(11, checkpointLine(key, 10, chainUpTo(log, 10), root(log, 10),
        note(key, "localhost/audit/payments", 10, root(log, 10))));

    assertFailure(verify(lines), Problem.NOTE_INVALID, 10);
  }

  @Test
  void noteThatIsNoSignedNote_isNoteInvalid() throws Exception {
    List<EntryFields> log = entries(3);
    List<String> lines = export(log, key);
    lines.set(4, checkpointLine(key, 3, chainUpTo(log, 3), root(log, 3), ORIGIN + "\n3\n"));

    assertFailure(verify(lines), Problem.NOTE_INVALID, 3);
  }

  @Test
  void verifierKeyOfAnotherLogOrKey_isNoteInvalid() throws Exception {
    List<String> lines = export(entries(10), key);
    KeyPair other = Ed25519Keys.generate();

    assertFailure(verify(lines, Expected.fromStart().withVerifierKey(
        NoteVerifier.parse(new NoteSigner("localhost/audit/x", key.getPrivate()).verifierKey()))),
        Problem.NOTE_INVALID, 10);
    assertFailure(verify(lines, Expected.fromStart().withVerifierKey(
        new NoteVerifier(ORIGIN, other.getPublic()))), Problem.NOTE_INVALID, 10);
  }

  @Test
  void verifierKey_withACheckpointWithoutRoot_isNoteInvalid() throws Exception {
    List<EntryFields> log = entries(3);
    List<String> lines = new ArrayList<>();
    lines.add(ExportFormat.headerLine(LOG, 1, 3, EntryHasher.GENESIS_CHAIN_HASH));
    lines.addAll(entryLines(log, 1));
    CheckpointPayload p = new CheckpointPayload(LOG, 3, chainUpTo(log, 3),
        TreeExports.RECORDED_AT);
    lines.add(ExportFormat.checkpointLine(p, Ed25519Keys.keyId(trusted),
        p.sign(key.getPrivate())));

    assertTrue(verify(lines).ok(), "a version-1 file verifies as before");
    assertFailure(verify(lines, Expected.fromStart().withVerifierKey(vkey)),
        Problem.NOTE_INVALID, 3);
  }

  @Test
  void treeMembersStripped_isSignatureInvalid() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = export(log, key);
    String line = lines.get(11);
    String stripped = line.replaceAll(",\"merkle_root\":\"[0-9a-f]{64}\",\"note\":\"[^\"]*\"", "")
        .replace(",\"tree_size\":10", "");
    lines.set(11, stripped);

    assertFailure(verify(lines), Problem.SIGNATURE_INVALID, 10);
    lines.set(0, ExportFormat.headerLine(LOG, 1, 10, EntryHasher.GENESIS_CHAIN_HASH));
    assertFailure(verify(lines), Problem.SIGNATURE_INVALID, 10);
  }

  @Test
  void version1Header_withATreeCheckpoint_isMalformed() throws Exception {
    List<String> lines = export(entries(3), key);
    lines.set(0, ExportFormat.headerLine(LOG, 1, 3, EntryHasher.GENESIS_CHAIN_HASH));

    Verification v = verify(lines);

    assertFailure(v, Problem.MALFORMED, 4);
    assertTrue(v.message().contains("unknown [merkle_root, note, tree_size]"), v.message());
  }

  @Test
  void treeSizeOtherThanSeq_isMalformed() throws Exception {
    List<String> lines = export(entries(3), key);
    lines.set(4, lines.get(4).replace("\"tree_size\":3", "\"tree_size\":4"));

    assertFailure(verify(lines), Problem.MALFORMED, 4);
  }

  @Test
  void frontierHashInUpperCase_isMalformed() throws Exception {
    List<EntryFields> log = entries(10);
    List<String> lines = range(log, 4, key);
    String hex = HexFormat.of().formatHex(frontier(log, 3).get(0));
    lines.set(0, lines.get(0).replace(hex, hex.toUpperCase()));

    assertFailure(verify(lines), Problem.MALFORMED, 1);
  }

  private static List<EntryFields> entries(int n) {
    return ExportVerifierTest.entries(n);
  }

  private static EntryFields with(EntryFields e, String userId) {
    return new EntryFields(e.seq(), e.recordedAt(), e.eventId(), userId, e.action(), e.target(),
        e.sourceIp(), e.outcome(), e.occurredAt(), e.riskSignals(), Map.of(), e.producer());
  }

  private static void assertFailure(Verification v, Problem problem, long seq) {
    assertEquals(problem, v.problem(), v.toString());
    assertEquals(seq, v.seq(), v.toString());
  }

  private static Verification verify(List<String> lines) throws Exception {
    return verify(lines, Expected.fromStart());
  }

  private static Verification verify(List<String> lines, Expected expected) throws Exception {
    return ExportVerifier.verify(
        new BufferedReader(new StringReader(String.join("\n", lines) + "\n")), trusted,
        expected);
  }
}
