package dev.auditlog.server.tls;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps a peer from flooding the log with refusals: per key (a reason with the identity or
 * the peer's address), at most one line per interval, and the next line written for that key
 * says how many were left out since the previous one.
 *
 * <p>Memory is bounded: at most {@code maxKeys} keys are remembered. When all are in use
 * and none has been quiet for an interval, events of new keys share one overflow key, so a
 * peer that varies the key still gets at most {@code maxKeys + 1} lines per interval. A key
 * quiet for an interval may be forgotten to make room, and with it the count of what was
 * left out since its last line. Thread-safe.
 */
final class LogThrottle {
  /** One line per key per ten seconds. */
  static final Duration INTERVAL = Duration.ofSeconds(10);
  /** Keys remembered at most. */
  static final int MAX_KEYS = 1024;

  private final long intervalNanos;
  private final int maxKeys;
  private final LongSupplier nanoClock;
  private final Map<String, Window> windows = new HashMap<>();
  private final Window overflow;

  /**
   * @param nanoClock a monotonic clock in nanoseconds, like {@link System#nanoTime}
   */
  LogThrottle(Duration interval, int maxKeys, LongSupplier nanoClock) {
    if (interval.isNegative() || interval.isZero() || maxKeys < 1) {
      throw new IllegalArgumentException(
          "interval must be positive and maxKeys at least 1, got " + interval + ", " + maxKeys);
    }
    this.intervalNanos = interval.toNanos();
    this.maxKeys = maxKeys;
    this.nanoClock = nanoClock;
    this.overflow = new Window(nanoClock.getAsLong() - intervalNanos);
  }

  /** Ten seconds per key, 1024 keys, on {@link System#nanoTime}. */
  static LogThrottle standard() {
    return new LogThrottle(INTERVAL, MAX_KEYS, System::nanoTime);
  }

  /**
   * Counts an event of {@code key} and says whether to log it.
   *
   * @return -1 to leave it out; otherwise log it, and the result is how many events of that
   *     key (or of the overflow) were left out since its previous line
   */
  synchronized long admit(String key) {
    long now = nanoClock.getAsLong();
    Window window = windows.get(key);
    if (window == null) {
      if (windows.size() >= maxKeys) {
        windows.values().removeIf(w -> now - w.openedAt >= intervalNanos);
      }
      if (windows.size() >= maxKeys) {
        return overflow.admit(now, intervalNanos);
      }
      windows.put(key, new Window(now));
      return 0;
    }
    return window.admit(now, intervalNanos);
  }

  /** Keys remembered now (for tests). */
  synchronized int keys() {
    return windows.size();
  }

  /** What to append to a logged line whose {@link #admit} returned {@code leftOut}. */
  static String note(long leftOut) {
    return leftOut <= 0 ? ""
        : " [" + leftOut + " more like this since the previous such line, not logged]";
  }

  /** One key's current interval. */
  private static final class Window {
    long openedAt;
    long leftOut;

    Window(long openedAt) {
      this.openedAt = openedAt;
    }

    long admit(long now, long intervalNanos) {
      if (now - openedAt < intervalNanos) {
        leftOut++;
        return -1;
      }
      long result = leftOut;
      openedAt = now;
      leftOut = 0;
      return result;
    }
  }
}
