package dev.auditlog.client.verify;

/** What an export verification found wrong, first. */
public enum Problem {
  /**
   * A line is not what the export format allows (bad JSON, missing or unknown member, text
   * that is not valid Unicode), or the header's {@code to_seq} is not the checkpoint's seq.
   */
  MALFORMED,
  /** An entry's fields no longer hash to its {@code entry_hash}. */
  FIELD_CHANGED,
  /** An entry is missing: a gap in {@code seq}, or later entries renumbered to close it. */
  ENTRY_MISSING,
  /** An entry is not part of the chain: a second entry with one seq, or one slipped in. */
  ENTRY_INSERTED,
  /** Entries are out of order. */
  ENTRIES_REORDERED,
  /** An entry's {@code chain_hash} does not follow from the entries before it. */
  CHAIN_BROKEN,
  /** The export ends before the seq its signed checkpoint covers, or has no checkpoint. */
  TAIL_CUT,
  /** The checkpoint's signature does not verify with the given public key. */
  SIGNATURE_INVALID,
  /**
   * The export does not start where it must: at seq 1 when nothing else places its first
   * entry (no trusted predecessor, no Merkle tree), or at the seq the verifier demands.
   */
  HEAD_CUT,
  /**
   * The export does not start right after the trusted predecessor: another {@code from_seq},
   * or a {@code prev_chain_hash} that is not the trusted chain hash.
   */
  PREDECESSOR_MISMATCH,
  /** The header or the checkpoint names a log other than the one expected. */
  WRONG_LOG,
  /**
   * The header's {@code left_frontier} does not have one hash per bit set in {@code from_seq
   * - 1} while the checkpoint has a Merkle root, or has hashes while it has none.
   */
  FRONTIER_MALFORMED,
  /**
   * The leaf hashes of the entries, folded onto the left frontier, do not give the signed
   * checkpoint's {@code merkle_root}: an entry or the frontier was changed.
   */
  MERKLE_ROOT_MISMATCH,
  /**
   * The checkpoint's note is not a signed note of the same log, tree size and root, or is not
   * signed by the trusted key (or the verifier key); or a verifier key was given and the
   * checkpoint has no note.
   */
  NOTE_INVALID
}
