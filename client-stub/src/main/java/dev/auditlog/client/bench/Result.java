package dev.auditlog.client.bench;

import org.HdrHistogram.Histogram;

/**
 * What one scenario measured.
 *
 * @param name the scenario, e.g. {@code append-64}
 * @param events events stored in the measured window
 * @param errors events that failed (a failed call counts all of its events)
 * @param seconds length of the measured window
 * @param latencyMicros latency per call in microseconds (from the intended send time in
 *     open-loop runs)
 * @param serverCpu CPU seconds of the server JVM in the window, NaN when not measured
 * @param postgresCpu CPU seconds of PostgreSQL in the window, NaN when not measured
 * @param clientCpu CPU seconds of the load generator (callers, TLS, JDBC) in the window
 */
record Result(String name, long events, long errors, double seconds, Histogram latencyMicros,
    double serverCpu, double postgresCpu, double clientCpu) {

  /** A result from CPU readings {server, postgres, client} at the window's start and end. */
  static Result of(String name, long events, long errors, double seconds, Histogram latency,
      double[] cpuFrom, double[] cpuTo) {
    return new Result(name, events, errors, seconds, latency, cpuTo[0] - cpuFrom[0],
        cpuTo[1] - cpuFrom[1], cpuTo[2] - cpuFrom[2]);
  }

  double eventsPerSecond() {
    return events / seconds;
  }

  /** Latency at {@code percentile} (e.g. 99.9) in milliseconds. */
  double latencyMillis(double percentile) {
    return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  /** CPU seconds per 10,000 events of {@code cpuSeconds}, NaN when unknown. */
  double per10k(double cpuSeconds) {
    return events == 0 ? Double.NaN : cpuSeconds * 10_000 / events;
  }

  /** One line for the console. */
  String summary() {
    return String.format(
        "%-18s %9.0f ev/s  p50 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  errors %d"
            + "  cpu s/10k ev: server %.2f, postgres %.2f, client %.2f",
        name, eventsPerSecond(), latencyMillis(50), latencyMillis(99), latencyMillis(99.9),
        errors, per10k(serverCpu), per10k(postgresCpu), per10k(clientCpu));
  }
}
