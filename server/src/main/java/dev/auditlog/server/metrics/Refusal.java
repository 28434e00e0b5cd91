package dev.auditlog.server.metrics;

import java.util.Locale;

/** Why the server refused a call, or an event of a batch: the {@code reason} label. */
public enum Refusal {
  /** The append queue had no room, in appends or bytes (RESOURCE_EXHAUSTED). */
  QUEUE_FULL,
  /** A caller asked for more than its rate (fresh checkpoints; RESOURCE_EXHAUSTED). */
  RATE_LIMIT,
  /** An executor for reads or exports had no room (RESOURCE_EXHAUSTED). */
  OVERLOADED,
  /** A request or an event of a batch was invalid, or did not parse (INVALID_ARGUMENT). */
  VALIDATION,
  /** The caller's identity may not call the method (PERMISSION_DENIED). */
  PERMISSION_DENIED,
  /** The client certificate names no caller (UNAUTHENTICATED). */
  UNAUTHENTICATED,
  /** The store was known to be unreachable, so the call was not queued (UNAVAILABLE). */
  STORE_UNAVAILABLE;

  /** The label value: the name in lowercase. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
