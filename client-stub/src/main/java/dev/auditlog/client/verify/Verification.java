package dev.auditlog.client.verify;

/**
 * The outcome of verifying an export. When {@link #ok()}, the export started at seq 1, right
 * after the trusted predecessor, or where the signed Merkle root places it (the message says
 * which range), every entry recomputed, the chain ran unbroken from there to the signed
 * checkpoint of the expected log, the signature verified and, when the checkpoint has a
 * Merkle root, the entries gave that root and its note verified; otherwise
 * {@link #problem()} is the first thing found wrong, at {@link #seq()}, explained in {@link
 * #message()}.
 *
 * @param problem null when ok
 * @param seq the first bad seq; when ok, the checkpoint's seq
 * @param message one line for a person
 * @param entries the entries checked before the verdict
 */
public record Verification(Problem problem, long seq, String message, long entries) {

  /** True when the export is intact, starts where placed and its checkpoint verifies. */
  public boolean ok() {
    return problem == null;
  }

  static Verification intact(long checkpointSeq, String message, long entries) {
    return new Verification(null, checkpointSeq, message, entries);
  }

  static Verification failed(Problem problem, long seq, String message, long entries) {
    return new Verification(problem, seq, message, entries);
  }

  @Override
  public String toString() {
    return ok() ? "OK: " + message : "FAILED at seq " + seq + ": " + problem + ": " + message;
  }
}
