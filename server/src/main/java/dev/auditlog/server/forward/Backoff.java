package dev.auditlog.server.forward;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: the n-th wait is uniformly random in [0, min(max,
 * initial * 2^n)], so that many forwarders retrying one receiver spread out; a receiver's
 * Retry-After, when it gives one, is waited for at least. Not thread-safe.
 */
final class Backoff {
  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier random;
  private int failures;

  /** @param random uniform in [0, 1), {@code Math::random} outside tests */
  Backoff(Duration initial, Duration max, DoubleSupplier random) {
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** The wait before the next attempt; {@code retryAfter} (or null) is a lower bound. */
  Duration next(Duration retryAfter) {
    long ceiling = Math.min(max.toMillis(), initial.toMillis() << Math.min(failures, 30));
    failures++;
    long wait = (long) (random.getAsDouble() * ceiling);
    if (retryAfter != null) {
      wait = Math.max(wait, Math.min(retryAfter.toMillis(), Duration.ofHours(1).toMillis()));
    }
    return Duration.ofMillis(wait);
  }

  /** After a success: the next failure waits from {@code initial} again. */
  void reset() {
    failures = 0;
  }
}
