package dev.auditlog.client.verify;

/** What a receipt verification found wrong, first (docs/receipt-format.md). */
public enum ReceiptProblem {
  /** Not a c2sp.org/tlog-proof@v1, or its extra data is not an entry's canonical JSON. */
  MALFORMED,
  /**
   * The entry is not the receipt's: its seq is not the receipt's index + 1, or the entry
   * given apart differs from the one the receipt carries.
   */
  ENTRY_MISMATCH,
  /** The checkpoint is of another log than the verifier key's. */
  WRONG_LOG,
  /** The checkpoint is not signed by the verifier key. */
  SIGNATURE_INVALID,
  /** The inclusion proof does not lead from the entry's leaf to the signed root. */
  INCLUSION_INVALID,
  /** Fewer of the given witnesses than required cosigned the checkpoint. */
  TOO_FEW_WITNESSES
}
