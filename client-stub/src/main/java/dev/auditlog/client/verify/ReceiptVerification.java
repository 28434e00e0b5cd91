package dev.auditlog.client.verify;

/**
 * The outcome of verifying a receipt. When {@link #ok()}, the entry hashes to the leaf at the
 * receipt's index, the inclusion proof leads from it to the root of a checkpoint the log's
 * verifier key signed, and enough of the given witnesses cosigned that checkpoint; otherwise
 * {@link #problem()} is the first thing found wrong, explained in {@link #message()}.
 *
 * @param problem null when ok
 * @param seq the entry's seq; 0 when the receipt is too malformed to tell
 * @param message one line for a person
 */
public record ReceiptVerification(ReceiptProblem problem, long seq, String message) {

  /** True when the receipt proves its entry under the verifier key and witness policy. */
  public boolean ok() {
    return problem == null;
  }

  @Override
  public String toString() {
    if (ok()) {
      return "OK: " + message;
    }
    return (seq > 0 ? "FAILED at seq " + seq : "FAILED") + ": " + problem + ": " + message;
  }
}
