package dev.auditlog.client.verify;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the verifier is told to expect of an export, besides the key its checkpoint is signed
 * with: where it starts and which log it is of.
 *
 * <p>By default ({@link #fromStart()}) the export must start at seq 1 from the genesis chain
 * hash: a file whose leading entries were dropped (its unsigned header edited to match) is
 * refused as {@link Problem#HEAD_CUT}. An export of a later range verifies only {@link
 * #after(Predecessor) after} a trusted {@link Predecessor}. Immutable and thread-safe.
 *
 * @param predecessor the trusted entry before the export's first one; null when the export
 *     must start at seq 1
 * @param logId the log the header and the checkpoint must name; null for any log, as long as
 *     they agree. Defaults to the log of a checkpoint predecessor.
 */
public record Expected(Predecessor predecessor, String logId) {
  private static final Pattern LOG_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /**
   * @throws IllegalArgumentException if {@code logId} is not a log id (1..64 of letters,
   *     digits, {@code .}, {@code _}, {@code -}) or differs from the log of a checkpoint
   *     predecessor
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
  }

  /** An export that starts at seq 1, of any log. */
  public static Expected fromStart() {
    return new Expected(null, null);
  }

  /** An export that starts right after {@code predecessor}. */
  public static Expected after(Predecessor predecessor) {
    return new Expected(Objects.requireNonNull(predecessor, "predecessor"), null);
  }

  /**
   * The same, of the log {@code logId}.
   *
   * @throws IllegalArgumentException as the constructor does
   */
  public Expected withLogId(String logId) {
    return new Expected(predecessor, logId);
  }
}
