package dev.auditlog.client.verify;

import dev.auditlog.integrity.tlog.NoteVerifier;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the verifier is told to expect of an export, besides the key its checkpoint is signed
 * with: where it starts, which log it is of, and the verifier key its note must verify with.
 *
 * <p>By default ({@link #fromStart()}) an export must start at seq 1 from the genesis chain
 * hash unless the Merkle tree places it: a file whose leading entries were dropped (its
 * unsigned header edited to match) is refused as {@link Problem#HEAD_CUT}, except that a
 * version-2 range whose checkpoint has a Merkle root verifies on its own, and the verifier
 * says which range it verified. An export of a later range also verifies {@link
 * #after(Predecessor) after} a trusted {@link Predecessor}. {@link #withFromSeq} demands the
 * first seq. Immutable and thread-safe.
 *
 * @param predecessor the trusted entry before the export's first one; null for none
 * @param logId the log the header and the checkpoint must name; null for any log, as long as
 *     they agree. Defaults to the log of a checkpoint predecessor.
 * @param fromSeq the seq the export must start at; 0 for wherever the file's anchors allow
 * @param verifierKey the verifier key the checkpoint's note must verify with; null for none
 */
public record Expected(Predecessor predecessor, String logId, long fromSeq,
    NoteVerifier verifierKey) {
  private static final Pattern LOG_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /**
   * @throws IllegalArgumentException if {@code logId} is not a log id (1..64 of letters,
   *     digits, {@code .}, {@code _}, {@code -}) or differs from the log of a checkpoint
   *     predecessor, or {@code fromSeq} is negative or not right after a predecessor's seq
   */
  public Expected {
    String checkpointLog = predecessor == null ? null : predecessor.logId().orElse(null);
    if (logId == null) {
      logId = checkpointLog;
    } else if (!LOG_ID.matcher(logId).matches()) {
      throw new IllegalArgumentException("a log id is 1..64 of letters, digits, '.', '_' and"
          + " '-', got '" + logId + "'");
    } else if (checkpointLog != null && !checkpointLog.equals(logId)) {
      throw new IllegalArgumentException("the log is to be '" + logId + "' but the trusted"
          + " checkpoint is of log '" + checkpointLog + "'");
    }
    if (fromSeq < 0) {
      throw new IllegalArgumentException("the first seq must be >= 1, got " + fromSeq);
    }
    if (fromSeq > 0 && predecessor != null && predecessor.seq().isPresent()
        && predecessor.seq().getAsLong() + 1 != fromSeq) {
      throw new IllegalArgumentException("the export is to start at seq " + fromSeq + " but "
          + predecessor + " puts its start at seq " + (predecessor.seq().getAsLong() + 1));
    }
  }

  /** An export of any log that starts at seq 1, or that the Merkle tree places. */
  public static Expected fromStart() {
    return new Expected(null, null, 0, null);
  }

  /** An export that starts right after {@code predecessor}. */
  public static Expected after(Predecessor predecessor) {
    return new Expected(Objects.requireNonNull(predecessor, "predecessor"), null, 0, null);
  }

  /**
   * The same, of the log {@code logId}.
   *
   * @throws IllegalArgumentException as the constructor does
   */
  public Expected withLogId(String logId) {
    return new Expected(predecessor, logId, fromSeq, verifierKey);
  }

  /**
   * The same, starting at seq {@code fromSeq} (else {@link Problem#HEAD_CUT}).
   *
   * @throws IllegalArgumentException as the constructor does, and if {@code fromSeq} is 0
   */
  public Expected withFromSeq(long fromSeq) {
    if (fromSeq == 0) {
      throw new IllegalArgumentException("the first seq must be >= 1, got 0");
    }
    return new Expected(predecessor, logId, fromSeq, verifierKey);
  }

  /** The same, with the checkpoint's note also verified with {@code verifierKey}. */
  public Expected withVerifierKey(NoteVerifier verifierKey) {
    return new Expected(predecessor, logId, fromSeq,
        Objects.requireNonNull(verifierKey, "verifierKey"));
  }
}
