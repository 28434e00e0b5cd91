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
   * The export does not start at seq 1 and no trusted predecessor was given: entries 1 to
   * {@code from_seq - 1} are not in it, and only the header's unsigned {@code
   * prev_chain_hash} stands for them.
   */
  HEAD_CUT,
  /**
   * The export does not start right after the trusted predecessor: another {@code from_seq},
   * or a {@code prev_chain_hash} that is not the trusted chain hash.
   */
  PREDECESSOR_MISMATCH,
  /** The header or the checkpoint names a log other than the one expected. */
  WRONG_LOG
}
