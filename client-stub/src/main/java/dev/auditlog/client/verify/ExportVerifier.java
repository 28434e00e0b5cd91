package dev.auditlog.client.verify;

import dev.auditlog.client.verify.ExportLine.CheckpointLine;
import dev.auditlog.client.verify.ExportLine.EntryLine;
import dev.auditlog.client.verify.ExportLine.Header;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.tlog.NoteVerifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.security.PublicKey;
import java.util.Objects;

/**
 * Verifies an export file offline, as {@code docs/export-format.md} describes: checks that
 * the export starts at seq 1, right after a predecessor the caller trusts, or (version 2)
 * where the Merkle tree places it, recomputes every entry hash and the chain from there,
 * checks the checkpoint signature with a public key the caller trusts, and checks that the
 * entries end exactly at the checkpoint with its chain hash, of the log the caller expects.
 * When the checkpoint has a Merkle root, the tree is checked on its own as well ({@link
 * TreeCheck}): the entries' leaves on the header's left frontier must give the signed root,
 * and the checkpoint's signed note must state it.
 *
 * <p>Reads the file once, in constant memory, and stops at the first problem. To name the
 * problem (a changed field, a missing, inserted or reordered entry) it looks at most at
 * the rest of the file. Not thread-safe; one instance per file.
 */
public final class ExportVerifier {
  private final ExportLines lines;
  private final PublicKey publicKey;
  private final Expected expectation;
  private Header header;
  private TreeCheck tree;
  private String prevChain;
  private String prevPrevChain;
  private long expected = 1; // the seq a problem on the header line is named by
  private long entries;

  private ExportVerifier(BufferedReader in, PublicKey publicKey, Expected expectation) {
    this.lines = new ExportLines(in);
    this.publicKey = publicKey;
    this.expectation = expectation;
  }

  /**
   * Verifies the export read from {@code in} against {@code publicKey}: an export that
   * starts at seq 1, of any log ({@link Expected#fromStart()}).
   *
   * @throws IOException if reading fails (a broken file is a {@link Verification}, not this)
   */
  public static Verification verify(BufferedReader in, PublicKey publicKey) throws IOException {
    return verify(in, publicKey, Expected.fromStart());
  }

  /**
   * Verifies the export read from {@code in} against {@code publicKey} and what it is {@code
   * expected} to be: where it starts and which log it is of.
   *
   * @throws IOException if reading fails (a broken file is a {@link Verification}, not this)
   */
  public static Verification verify(BufferedReader in, PublicKey publicKey, Expected expected)
      throws IOException {
    return new ExportVerifier(in, publicKey, Objects.requireNonNull(expected, "expected")).run();
  }

  private Verification run() throws IOException {
    try {
      ExportLine first = lines.next();
      if (!(first instanceof Header h)) {
        return failed(Problem.MALFORMED, 1, "the first line must be the header");
      }
      header = h;
      lines.version(h.version());
      tree = new TreeCheck(h);
      Verification problem = start(h);
      if (problem != null) {
        return problem;
      }
      prevChain = h.prevChainHash();
      expected = h.fromSeq();
      return entriesThenCheckpoint();
    } catch (MalformedLineException e) {
      return failed(Problem.MALFORMED, expected, "line " + lines.number() + ": " + e.getMessage());
    }
  }

  /** Checks the header's log and where the export starts; returns the problem, or null. */
  private Verification start(Header h) {
    String log = expectation.logId();
    if (log != null && !h.logId().equals(log)) {
      return failed(Problem.WRONG_LOG, h.fromSeq(),
          "the export is of log '" + h.logId() + "', expected '" + log + "'");
    }
    long from = expectation.fromSeq();
    if (from != 0 && h.fromSeq() != from) {
      return failed(Problem.HEAD_CUT, Math.min(from, h.fromSeq()), "the export starts at seq "
          + h.fromSeq() + ", but it is to start at seq " + from + (h.fromSeq() > from
          ? ": entries " + from + ".." + (h.fromSeq() - 1) + " are not in it" : ""));
    }
    if (h.fromSeq() == 1 && !h.prevChainHash().equals(EntryHasher.GENESIS_CHAIN_HASH)) {
      return failed(Problem.CHAIN_BROKEN, 1, "an export from seq 1 must start from the"
          + " genesis chain hash (64 zeros), header has " + h.prevChainHash());
    }
    String frontier = tree.frontierProblem();
    if (frontier != null) {
      return failed(Problem.FRONTIER_MALFORMED, h.fromSeq(), frontier);
    }
    Predecessor p = expectation.predecessor();
    if (p == null) {
      // A range without a predecessor is placed by its frontier and the signed root, which
      // the checkpoint shows; without a frontier nothing can place it.
      return h.fromSeq() == 1 || tree.mayPlaceRange() ? null : failed(Problem.HEAD_CUT, 1,
          "the export starts at seq " + h.fromSeq() + ": entries 1.." + (h.fromSeq() - 1)
          + " are not in it (to verify a range, give the trusted predecessor of seq "
          + h.fromSeq() + " with --after)");
    }
    return predecessorMismatch(h, p);
  }

  /** Checks that the export starts right after {@code p}; returns the problem, or null. */
  private Verification predecessorMismatch(Header h, Predecessor p) {
    if (p.seq().isPresent() && h.fromSeq() != p.seq().getAsLong() + 1) {
      long next = p.seq().getAsLong() + 1;
      return failed(Problem.PREDECESSOR_MISMATCH, Math.min(h.fromSeq(), next), "the export"
          + " starts at seq " + h.fromSeq() + ", but after " + p + " it must start at " + next);
    }
    if (!h.prevChainHash().equals(p.chainHash())) {
      return failed(Problem.PREDECESSOR_MISMATCH, h.fromSeq(), "the header's prev_chain_hash is "
          + h.prevChainHash() + ", the trusted predecessor's chain hash is " + p.chainHash());
    }
    return null;
  }

  private Verification entriesThenCheckpoint() throws IOException, MalformedLineException {
    while (true) {
      ExportLine line = lines.next();
      if (line == null) {
        return failed(Problem.TAIL_CUT, expected,
            "the file ends without a checkpoint line after seq " + (expected - 1));
      }
      if (line instanceof CheckpointLine c) {
        return checkpoint(c);
      }
      if (!(line instanceof EntryLine e)) {
        throw new MalformedLineException("a second header");
      }
      Verification problem = entry(e);
      if (problem != null) {
        return problem;
      }
    }
  }

  /** Checks one entry and advances the chain; returns the problem, or null. */
  private Verification entry(EntryLine e) throws IOException {
    if (e.seq() != expected) {
      return outOfSequence(e);
    }
    String entryHash = EntryHasher.entryHash(e.fields());
    if (!entryHash.equals(e.entryHash())) {
      return hashMismatch(e);
    }
    String chain = EntryHasher.chainHash(prevChain, entryHash);
    if (!chain.equals(e.chainHash())) {
      return chainMismatch(e, entryHash);
    }
    tree.add(entryHash);
    prevPrevChain = prevChain;
    prevChain = chain;
    expected++;
    entries++;
    return null;
  }

  private Verification outOfSequence(EntryLine e) throws IOException {
    if (e.seq() < expected) {
      return failed(Problem.ENTRY_INSERTED, e.seq(),
          "a second entry with seq " + e.seq() + " follows seq " + (expected - 1));
    }
    if (lines.findLaterEntry(expected)) {
      return failed(Problem.ENTRIES_REORDERED, expected,
          "entry seq " + expected + " comes after seq " + e.seq());
    }
    return failed(Problem.ENTRY_MISSING, expected, e.seq() == expected + 1
        ? "entry seq " + expected + " is missing"
        : "entries seq " + expected + ".." + (e.seq() - 1) + " are missing");
  }

  /** The fields do not hash to entry_hash: changed, or renumbered to hide a gap or insert. */
  private Verification hashMismatch(EntryLine e) throws IOException {
    long seq = e.seq();
    if (EntryHasher.entryHash(e.fields().withSeq(seq + 1)).equals(e.entryHash())) {
      ExportLine next = lines.peek();
      if (next instanceof EntryLine n && n.seq() == seq + 1
          && EntryHasher.entryHash(n.fields().withSeq(seq)).equals(n.entryHash())) {
        return failed(Problem.ENTRIES_REORDERED, seq,
            "entries seq " + seq + " and " + (seq + 1) + " were swapped");
      }
      return failed(Problem.ENTRY_MISSING, seq, "entry seq " + seq + " was removed and the"
          + " entries after it renumbered (this one was seq " + (seq + 1) + ")");
    }
    if (seq > 1 && EntryHasher.entryHash(e.fields().withSeq(seq - 1)).equals(e.entryHash())) {
      return failed(Problem.ENTRY_INSERTED, seq - 1, "entry seq " + (seq - 1) + " was inserted"
          + " and the entries after it renumbered (this one was seq " + (seq - 1) + ")");
    }
    return failed(Problem.FIELD_CHANGED, seq,
        "the entry's fields do not hash to its entry_hash: a field was changed");
  }

  /** The entry is intact but does not link to the previous one. */
  private Verification chainMismatch(EntryLine e, String entryHash) throws IOException {
    if (prevPrevChain != null
        && EntryHasher.chainHash(prevPrevChain, entryHash).equals(e.chainHash())) {
      return failed(Problem.ENTRY_INSERTED, e.seq() - 1, "entry seq " + (e.seq() - 1)
          + " is not part of the chain: seq " + e.seq() + " links to the entry before it");
    }
    ExportLine next = lines.peek();
    if (next instanceof EntryLine n && n.seq() == e.seq() && EntryHasher.chainHash(prevChain,
        EntryHasher.entryHash(n.fields())).equals(n.chainHash())) {
      return failed(Problem.ENTRY_INSERTED, e.seq(), "entry seq " + e.seq()
          + " is not part of the chain: the next entry with the same seq is");
    }
    return failed(Problem.CHAIN_BROKEN, e.seq(), "chain_hash does not follow from seq "
        + (e.seq() - 1) + ": this entry or its chain_hash was replaced");
  }

  private Verification checkpoint(CheckpointLine c) throws IOException, MalformedLineException {
    long last = expected - 1;
    long seq = c.payload().seq();
    if (lines.next() != null) {
      throw new MalformedLineException("lines after the checkpoint");
    }
    String trusted = Ed25519Keys.keyId(publicKey);
    if (!c.payload().verify(publicKey, c.signature())) {
      return failed(Problem.SIGNATURE_INVALID, seq, !c.keyId().equals(trusted)
          ? "the checkpoint names key " + c.keyId() + ", not the trusted key " + trusted
          : "the checkpoint's signature does not verify with key " + trusted);
    }
    if (!c.payload().logId().equals(header.logId())) {
      // With an expected log, the header named it: the signed checkpoint is of another log.
      return failed(expectation.logId() != null ? Problem.WRONG_LOG : Problem.MALFORMED, seq,
          "the checkpoint is of log '" + c.payload().logId() + "', the header says '"
          + header.logId() + "'");
    }
    if (seq > last) {
      return failed(Problem.TAIL_CUT, last + 1, "the export ends at seq " + last
          + " but the signed checkpoint covers up to seq " + seq);
    }
    if (seq < last) {
      return failed(Problem.ENTRY_INSERTED, seq + 1,
          "entries after seq " + seq + ", the last one the signed checkpoint covers");
    }
    if (!c.payload().chainHash().equals(prevChain)) {
      return failed(Problem.CHAIN_BROKEN, last, "the chain at seq " + last + " differs from"
          + " the signed checkpoint: entries up to seq " + last + " were rewritten");
    }
    if (header.toSeq() != seq) {
      return failed(Problem.MALFORMED, seq, "the header's to_seq is " + header.toSeq()
          + ", but the export ends at the signed checkpoint's seq " + seq);
    }
    TreeCheck.Finding f = tree.check(c, publicKey, expectation.verifierKey());
    if (f != null) {
      return failed(f.problem(), f.seq(), f.message());
    }
    NoteVerifier vkey = expectation.verifierKey();
    return Verification.intact(seq, entries + " entries, seq " + header.fromSeq() + ".." + last
        + placed() + (c.note() == null ? ", chain matches" : ", chain and Merkle tree match")
        + " the checkpoint of log '" + header.logId() + "' recorded at "
        + c.payload().recordedAt() + ", signed by key " + trusted
        + (vkey == null ? "" : ", note verified with " + TreeCheck.name(vkey)), entries);
  }

  /** What placed an intact export, for the OK line: "" from seq 1. */
  private String placed() {
    Predecessor p = expectation.predecessor();
    if (p != null) {
      return " after " + p;
    }
    return header.fromSeq() == 1 ? "" : " (a range: seq 1.." + (header.fromSeq() - 1)
        + " are not in the file, the signed Merkle root places it)";
  }

  private Verification failed(Problem problem, long seq, String message) {
    return Verification.failed(problem, seq, message, entries);
  }
}
