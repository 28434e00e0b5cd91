package dev.auditlog.server.grpc;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per caller identity: up to {@code burst} calls at once, refilled at one
 * per {@code interval}. Memory stays bounded: past {@value #MAX_CALLERS} identities, the
 * one seen longest ago is forgotten (and starts again with a full bucket). Thread-safe.
 */
final class CallerRateLimit {
  static final int MAX_CALLERS = 10_000;

  private final int burst;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
      return size() > MAX_CALLERS;
    }
  };

  /** @param nanoTime the local monotonic clock, {@code System::nanoTime} outside tests */
  CallerRateLimit(int burst, Duration interval, LongSupplier nanoTime) {
    if (burst < 1 || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("burst must be >= 1 and interval > 0, got " + burst
          + " and " + interval);
    }
    this.burst = burst;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Takes a token for {@code identity}; false if its bucket is empty. */
  synchronized boolean tryAcquire(String identity) {
    long now = nanoTime.getAsLong();
    Bucket b = buckets.computeIfAbsent(identity, id -> new Bucket(burst, now));
    long refilled = (now - b.refilledAt) / intervalNanos;
    if (refilled > 0) {
      b.tokens = (int) Math.min(burst, b.tokens + refilled);
      b.refilledAt += refilled * intervalNanos;
    }
    if (b.tokens == 0) {
      return false;
    }
    b.tokens--;
    return true;
  }

  private static final class Bucket {
    int tokens;
    long refilledAt;

    Bucket(int tokens, long refilledAt) {
      this.tokens = tokens;
      this.refilledAt = refilledAt;
    }
  }
}
