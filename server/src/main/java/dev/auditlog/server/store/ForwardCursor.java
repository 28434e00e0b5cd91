package dev.auditlog.server.store;

import java.time.Instant;

/**
 * How far a destination has received a log, and how its deliveries went.
 *
 * @param seq entries 1..seq are delivered
 * @param checkpointId the checkpoints with ids up to this one are delivered
 * @param paused why the destination is paused, or null when it is not
 * @param lastSuccess when a delivery last succeeded, or null
 * @param lastError the last failed delivery's error, or null
 * @param lastErrorAt when it failed, or null
 */
public record ForwardCursor(String destination, String logId, long seq, long checkpointId,
    String paused, Instant lastSuccess, String lastError, Instant lastErrorAt) {

  /** A destination that has received nothing of the log yet. */
  public static ForwardCursor start(String destination, String logId) {
    return new ForwardCursor(destination, logId, 0, 0, null, null, null, null);
  }
}
