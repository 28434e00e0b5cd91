package dev.auditlog.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The newest reading of the database clock taken by a commit, for the {@code recorded_at}
 * of the next group while appends keep coming. A reading older than the limit (the log was
 * idle) is not offered: that group reads the clock afresh. Thread-safe.
 */
final class CommitClock {
  private final long maxAgeNanos;
  private final LongSupplier nanoTime;
  private Instant reading;
  private long readAtNanos;

  /** @param nanoTime the local monotonic clock, {@code System::nanoTime} outside tests */
  CommitClock(Duration maxAge, LongSupplier nanoTime) {
    this.maxAgeNanos = maxAge.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Keeps {@code reading} if it is the newest so far; ignores null (nothing was read). */
  synchronized void note(Instant reading) {
    if (reading != null && (this.reading == null || reading.isAfter(this.reading))) {
      this.reading = reading;
      this.readAtNanos = nanoTime.getAsLong();
    }
  }

  /** The newest reading if it was taken within the limit, else null. */
  synchronized Instant recent() {
    if (reading == null || nanoTime.getAsLong() - readAtNanos > maxAgeNanos) {
      return null;
    }
    return reading;
  }
}
