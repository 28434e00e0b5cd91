package dev.auditlog.client.bench;

import java.util.Arrays;

/**
 * How far a forwarding destination trails the log, from two series the bench records: when
 * each appended entry was acknowledged to the client (its seq and the time), and the
 * destination's cursor at each poll of ListForwarders (entries 1..cursor are delivered).
 * Pure functions; times are {@link System#nanoTime()} values.
 *
 * <p>The lag of entry s is the time of the first poll that saw the cursor at s or beyond,
 * minus the time s was acknowledged; 0 if that poll came before the acknowledgement (the
 * destination had the entry before the client had the answer). Polls are discrete, so each
 * lag is an upper bound, by at most one poll interval.
 */
final class ForwardingLag {
  /** The lag of an entry no poll saw delivered. */
  static final long NEVER = Long.MAX_VALUE;

  private ForwardingLag() {}

  /**
   * The cursor as polled: {@code nanos[i]} is when poll i answered, {@code cursors[i]} what
   * it said. Times must not decrease. A cursor that went back (a replay) does not undo what
   * an earlier poll saw delivered.
   */
  record Samples(long[] nanos, long[] cursors) {
    Samples {
      if (nanos.length != cursors.length) {
        throw new IllegalArgumentException("nanos and cursors must be as long, got "
            + nanos.length + " and " + cursors.length);
      }
      for (int i = 1; i < nanos.length; i++) {
        if (nanos[i] < nanos[i - 1]) {
          throw new IllegalArgumentException("nanos must not decrease, got " + nanos[i - 1]
              + " then " + nanos[i] + " at " + i);
        }
      }
      nanos = nanos.clone();
      cursors = reached(cursors);
    }

    /** The highest cursor seen at each poll or before it. */
    private static long[] reached(long[] cursors) {
      long[] r = cursors.clone();
      for (int i = 1; i < r.length; i++) {
        r[i] = Math.max(r[i], r[i - 1]);
      }
      return r;
    }

    /** The time of the first poll that saw {@code seq} delivered, or {@link #NEVER}. */
    long firstReaching(long seq) {
      int lo = 0;
      int hi = cursors.length; // the answer lies in [lo, hi]; hi means none
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cursors[mid] >= seq) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo == cursors.length ? NEVER : nanos[lo];
    }

    /** The highest cursor seen by a poll at or before {@code time}; 0 before the first. */
    long cursorAt(long time) {
      long c = 0;
      for (int i = 0; i < nanos.length && nanos[i] <= time; i++) {
        c = cursors[i];
      }
      return c;
    }
  }

  /**
   * Acknowledged appends: entry {@code seqs[i]} was acknowledged at {@code nanos[i]}.
   */
  record Acks(long[] seqs, long[] nanos) {
    Acks {
      if (seqs.length != nanos.length) {
        throw new IllegalArgumentException("seqs and nanos must be as long, got "
            + seqs.length + " and " + nanos.length);
      }
      seqs = seqs.clone();
      nanos = nanos.clone();
    }

    int size() {
      return seqs.length;
    }

    /** The highest seq acknowledged; 0 when there is none. */
    long lastSeq() {
      return Arrays.stream(seqs).max().orElse(0);
    }

    /** When the last acknowledgement came; {@code Long.MIN_VALUE} when there is none. */
    long lastNanos() {
      return Arrays.stream(nanos).max().orElse(Long.MIN_VALUE);
    }
  }

  /**
   * The lag of each acknowledged entry, in nanoseconds, in the order of {@code acks};
   * {@link #NEVER} for an entry no poll saw delivered.
   */
  static long[] lags(Acks acks, Samples samples) {
    long[] lags = new long[acks.size()];
    for (int i = 0; i < lags.length; i++) {
      long reached = samples.firstReaching(acks.seqs()[i]);
      lags[i] = reached == NEVER ? NEVER : Math.max(0, reached - acks.nanos()[i]);
    }
    return lags;
  }

  /**
   * The nearest-rank percentile {@code p} (0 < p <= 100) of {@code lags}: the smallest value
   * that at least p percent of them do not exceed; {@link #NEVER} when that is an entry never
   * delivered, 0 when there are none.
   */
  static long percentile(long[] lags, double p) {
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("p must be in (0, 100], got " + p);
    }
    if (lags.length == 0) {
      return 0;
    }
    long[] sorted = lags.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(1, rank) - 1];
  }

  /** How many of {@code lags} were never delivered. */
  static long never(long[] lags) {
    return Arrays.stream(lags).filter(l -> l == NEVER).count();
  }
}
