package dev.auditlog.client.bench;

/**
 * What the forwarding scenario measured: Append in open loop while the server forwards its
 * log to one OpenSearch destination, how fast entries reached it, how long after their
 * acknowledgement, and whether the index holds exactly what the cursor says was delivered.
 *
 * @param destination the receiver, e.g. {@code OpenSearch 2.19.1, index audit-bench-...}
 * @param offeredPerSecond the rate Append calls were sent at (half of {@code append}'s)
 * @param append the open-loop Append run (events/s answered, latency, CPU)
 * @param forwardedPerSecond entries delivered during the measured window / the window
 * @param catchUpSeconds from the last acknowledged append until a poll saw it delivered;
 *     NaN if none did before the bench gave up waiting
 * @param entries entries whose lag was measured (acknowledged in or after the window)
 * @param neverForwarded of those, how many no poll saw delivered
 * @param lagP50Nanos median lag, {@link ForwardingLag#NEVER} if not delivered
 * @param lagP99Nanos 99th percentile of the lag
 * @param lagMaxNanos the largest lag
 * @param index what the index held at the end
 */
record ForwardingResult(String destination, double offeredPerSecond, Result append,
    double forwardedPerSecond,
    double catchUpSeconds, long entries, long neverForwarded, long lagP50Nanos,
    long lagP99Nanos, long lagMaxNanos, Completeness index) {

  /** The goal of the issue: 99% of entries at the destination within 2 s. */
  static final double LAG_P99_GOAL_SECONDS = 2;

  /**
   * The index at the end: its document count after a refresh, against what the destination's
   * cursor says was delivered (entries 1..{@code entries}, and {@code checkpoints}).
   */
  record Completeness(long documents, long entries, long checkpoints) {
    boolean complete() {
      return documents == entries + checkpoints;
    }
  }

  /**
   * Computes the result from the acknowledgements in and after the window, the cursor
   * polls, and the window {@code [from, to)} ({@link System#nanoTime()}).
   */
  static ForwardingResult of(String destination, double offeredPerSecond, Result append,
      ForwardingLag.Acks acks, ForwardingLag.Samples samples, long from, long to,
      Completeness index) {
    long[] lags = ForwardingLag.lags(acks, samples);
    long delivered = samples.cursorAt(to) - samples.cursorAt(from);
    long reached = samples.firstReaching(acks.lastSeq());
    double catchUp = acks.size() == 0 || reached == ForwardingLag.NEVER ? Double.NaN
        : Math.max(0, reached - acks.lastNanos()) / 1e9;
    return new ForwardingResult(destination, offeredPerSecond, append,
        delivered / ((to - from) / 1e9), catchUp, lags.length, ForwardingLag.never(lags), ForwardingLag.percentile(lags, 50),
        ForwardingLag.percentile(lags, 99), ForwardingLag.percentile(lags, 100), index);
  }

  boolean lagGoalMet() {
    return entries > 0 && lagP99Nanos < LAG_P99_GOAL_SECONDS * 1e9;
  }

  /** A lag in seconds to the millisecond, or "never". */
  static String seconds(long nanos) {
    return nanos == ForwardingLag.NEVER ? "never" : String.format("%.3f s", nanos / 1e9);
  }

  /** Lines for the console. */
  String summary() {
    return String.format("forwarding to %s: Append sent at %.0f/s, answered %.0f ev/s,"
            + " forwarded %.0f ev/s in the window; caught up %s after the last answer%n"
            + "  lag of %d entries: p50 %s, p99 %s, max %s; never forwarded %d%n"
            + "  index: %d documents for %d entries + %d checkpoints forwarded: %s",
        destination, offeredPerSecond, append.eventsPerSecond(), forwardedPerSecond,
        Double.isNaN(catchUpSeconds) ? "never" : String.format("%.2f s", catchUpSeconds),
        entries, seconds(lagP50Nanos), seconds(lagP99Nanos), seconds(lagMaxNanos),
        neverForwarded, index.documents(), index.entries(), index.checkpoints(),
        index.complete() ? "complete" : "MISMATCH");
  }
}
