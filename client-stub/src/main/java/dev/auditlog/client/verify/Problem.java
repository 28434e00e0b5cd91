package dev.auditlog.client.verify;

/** What an export verification found wrong, first. */
public enum Problem {
  /** A line is not what the export format allows (bad JSON, missing or unknown member). */
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
  SIGNATURE_INVALID
}
