package dev.auditlog.client.verify;

import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.tlog.CosignatureVerifier;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import dev.auditlog.integrity.tlog.TlogProof;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Verifies receipts ({@link InclusionReceipt}, docs/receipt-format.md) offline, with the log's
 * verifier key and, optionally, a witness policy: at least {@code k} of {@code n} trusted
 * witnesses must have cosigned the checkpoint. Checks, in this order, that the receipt parses
 * and its entry is an entry's canonical JSON, that the checkpoint is of the verifier key's
 * log and signed by it, that the entry's seq is the receipt's index + 1, that the inclusion
 * proof leads from the leaf hash (of the entry hash recomputed from the fields) to the signed
 * root, and that enough witnesses cosigned. Whether a cosignature's time is recent enough is
 * left to the reader of the OK line, which names each time. Immutable and thread-safe.
 */
public final class ReceiptVerifier {
  private final NoteVerifier log;
  private final List<CosignatureVerifier> witnesses;
  private final int required;

  /**
   * A verifier for receipts of the log whose verifier key is {@code log}.
   *
   * @param witnesses the trusted witnesses' cosignature verifier keys; one given twice counts
   *     once
   * @param required how many of them must have cosigned, 0..the number of distinct witnesses
   * @throws IllegalArgumentException if two different keys have one witness name, or {@code
   *     required} is out of range
   */
  public ReceiptVerifier(NoteVerifier log, List<CosignatureVerifier> witnesses, int required) {
    Map<String, CosignatureVerifier> byName = new LinkedHashMap<>();
    for (CosignatureVerifier w : witnesses) {
      CosignatureVerifier other = byName.putIfAbsent(w.name(), w);
      if (other != null && !other.verifierKey().equals(w.verifierKey())) {
        throw new IllegalArgumentException("two witness keys are named '" + w.name() + "'");
      }
    }
    if (required < 0 || required > byName.size()) {
      throw new IllegalArgumentException("the witnesses required must be 0.." + byName.size()
          + " (the witness keys given), got " + required);
    }
    this.log = log;
    this.witnesses = List.copyOf(byName.values());
    this.required = required;
  }

  /**
   * Verifies a receipt's text.
   *
   * @param given the entry given apart from the receipt, or null; required when the receipt
   *     carries none
   * @throws IllegalArgumentException if the receipt carries no entry and none is given
   */
  public ReceiptVerification verify(String receipt, EntryFields given) {
    TlogProof p;
    EntryFields carried;
    try {
      p = TlogProof.parse(receipt);
      carried = InclusionReceipt.entry(p);
    } catch (IllegalArgumentException e) {
      return failed(ReceiptProblem.MALFORMED, 0, e.getMessage());
    }
    if (carried == null && given == null) {
      throw new IllegalArgumentException("the receipt carries no entry (no extra line):"
          + " give the entry apart");
    }
    EntryFields e = carried != null ? carried : given;
    if (carried != null && given != null
        && !EntryHasher.canonicalJson(carried).equals(EntryHasher.canonicalJson(given))) {
      return failed(ReceiptProblem.ENTRY_MISMATCH, e.seq(), "the entry given (seq "
          + given.seq() + ", event " + given.eventId() + ") is not the one the receipt carries");
    }
    return verify(p, e);
  }

  private ReceiptVerification verify(TlogProof p, EntryFields e) {
    long seq = e.seq();
    TlogCheckpoint c = p.checkpointBody();
    if (!c.origin().equals(log.name())) {
      return failed(ReceiptProblem.WRONG_LOG, seq, "the checkpoint is of log '" + c.origin()
          + "', the verifier key of '" + log.name() + "'");
    }
    if (!log.verifies(p.checkpoint())) {
      return failed(ReceiptProblem.SIGNATURE_INVALID, seq, "the checkpoint is not signed by the"
          + " verifier key " + TreeCheck.name(log));
    }
    if (p.index() != seq - 1) {
      return failed(ReceiptProblem.ENTRY_MISMATCH, seq, "the receipt is of leaf " + p.index()
          + ", but the entry, seq " + seq + ", is leaf " + (seq - 1));
    }
    byte[] leaf = Merkle.leafHash(HexFormat.of().parseHex(EntryHasher.entryHash(e)));
    if (!Merkle.verifyInclusion(p.index(), c.size(), leaf, p.inclusionProof(), c.rootHash())) {
      return failed(ReceiptProblem.INCLUSION_INVALID, seq, "the inclusion proof does not lead"
          + " from the entry's leaf " + p.index() + " to the signed root of the tree of size "
          + c.size());
    }
    List<String> cosigned = cosigners(p);
    if (cosigned.size() < required) {
      return failed(ReceiptProblem.TOO_FEW_WITNESSES, seq, required + " of the "
          + witnesses.size() + " witnesses given must have cosigned the checkpoint, "
          + cosigned.size() + " did" + list(cosigned));
    }
    return new ReceiptVerification(null, seq, "entry seq " + seq + " (event " + e.eventId()
        + ", " + e.action() + ", recorded at " + e.recordedAt() + ") is leaf " + p.index()
        + " of the tree of size " + c.size() + " of log '" + c.origin() + "', signed by "
        + TreeCheck.name(log) + (witnesses.isEmpty() ? "" : ", cosigned by " + cosigned.size()
        + " of " + witnesses.size() + " witnesses" + list(cosigned)));
  }

  /** The witnesses that cosigned, as "name at time". */
  private List<String> cosigners(TlogProof p) {
    List<String> cosigned = new ArrayList<>();
    for (CosignatureVerifier w : witnesses) {
      OptionalLong time = w.timestamp(p.checkpoint());
      if (time.isPresent()) {
        cosigned.add(w.name() + " at " + time(time.getAsLong()));
      }
    }
    return cosigned;
  }

  /** A cosignature's time, as RFC 3339 when {@link Instant} can hold it. */
  private static String time(long seconds) {
    return seconds <= Instant.MAX.getEpochSecond()
        ? Instant.ofEpochSecond(seconds).toString() : seconds + " s after the epoch";
  }

  private static String list(List<String> names) {
    return names.isEmpty() ? "" : ": " + String.join(", ", names);
  }

  private static ReceiptVerification failed(ReceiptProblem problem, long seq, String message) {
    return new ReceiptVerification(problem, seq, message);
  }
}
