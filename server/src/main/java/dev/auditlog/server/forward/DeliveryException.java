package dev.auditlog.server.forward;

import java.time.Duration;
import java.util.Objects;

/**
 * A delivery did not complete. The {@link Kind} tells the forwarder what to do next;
 * {@link #delivered()} how many records, from the first, the receiver holds anyway.
 */
public final class DeliveryException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What the forwarder does after the failure. */
  public enum Kind {
    /** Transient (unreachable, 5xx, 429, backpressure): retry with backoff. */
    RETRY,
    /** The batch is too large for the receiver (413): split it and retry the halves. */
    TOO_LARGE,
    /**
     * Retrying cannot help (401, 403, a 400-class format error): the destination pauses,
     * with this message as its status, until an operator resumes it.
     */
    PERMANENT
  }

  private final Kind kind;
  private final Duration retryAfter;
  private final int delivered;

  /**
   * @param retryAfter how long the receiver asked to wait (Retry-After), or null
   * @param delivered how many records, from the first, the receiver holds despite it
   */
  public DeliveryException(Kind kind, String message, Duration retryAfter, int delivered,
      Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.retryAfter = retryAfter;
    this.delivered = delivered;
  }

  public static DeliveryException retry(String message, Throwable cause) {
    return new DeliveryException(Kind.RETRY, message, null, 0, cause);
  }

  public static DeliveryException permanent(String message) {
    return new DeliveryException(Kind.PERMANENT, message, null, 0, null);
  }

  public Kind kind() {
    return kind;
  }

  /** How long the receiver asked to wait before the next attempt, or null. */
  public Duration retryAfter() {
    return retryAfter;
  }

  public int delivered() {
    return delivered;
  }
}
