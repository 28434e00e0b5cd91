package dev.auditlog.client.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything one bench run found, and the targets checked against it.
 *
 * @param unaryRatios Append / raw single-row INSERT of each unary round, lowest first; the
 *     results hold the median round
 * @param guardRatios Append with the database's chain guard / without it, of each round,
 *     lowest first; the results hold the median round
 * @param hashMicros CPU microseconds to seal one entry, NaN when not measured
 * @param treeShare the Merkle tree integration thread's share of the server JVM's CPU in the
 *     Append runs, NaN when not measured
 * @param peakHeapMb the started server's largest heap occupancy seen by its GC, or -1
 * @param peakResidentMb the started server's peak resident set size, or -1
 * @param forwarding the forwarding scenario, or null when it did not run
 */
record Report(Map<String, String> machine, String loadAtStart, String postgresVersion,
    String synchronousCommit, BenchSettings settings, Map<String, Result> results,
    List<Double> unaryRatios, List<Double> guardRatios, double hashMicros, double treeShare,
    long peakHeapMb,
    long peakResidentMb, ForwardingResult forwarding) {

  /**
   * A target or a comparison: what was compared, the measured values, the ratio (or value)
   * and the goal; {@code met} is null when there is no goal or nothing to check.
   */
  record Check(String what, String measured, String value, String goal, Boolean met) {}

  long errors() {
    return results.values().stream().mapToLong(Result::errors).sum();
  }

  List<Check> checks() {
    List<Check> c = new ArrayList<>();
    int b = settings.batchSize();
    ratio(c, "Append, " + settings.callers() + " callers / raw single-row INSERT, "
        + settings.callers() + " connections" + rounds(unaryRatios), "append", "raw-insert-1",
        1.5);
    ratio(c, "Append with the database's chain guard (V5 trigger) / without it, same run"
        + rounds(guardRatios), "append-guarded", "append-unguarded", 0.9);
    ratio(c, "AppendBatch(" + b + ") / COPY of " + b + " rows, " + settings.batchCallers()
        + " callers each", "append-batch-" + b, "copy-" + b, 0.5);
    ratio(c, "AppendBatch(" + b + ") / raw " + b + "-row INSERT", "append-batch-" + b,
        "raw-insert-" + b, Double.NaN);
    ratio(c, "raw " + b + "-row INSERT / COPY (for scale)", "raw-insert-" + b, "copy-" + b,
        Double.NaN);
    ratio(c, "AuditClient.appendAsync with batching / without (unary Append), "
        + settings.callers() + " async callers", "client-batched", "client-unary", 1.5);
    ratio(c, "AuditClient.appendAsync with batching / unary Append over raw stubs (append)",
        "client-batched", "append", Double.NaN);
    logs(c);
    p99(c, "open-fixed", 5);
    p99(c, "open-half-max", 20);
    chain(c);
    tree(c);
    heap(c);
    forwarding(c);
    return c;
  }

  /** Append spread over more logs against one log, 64 callers each. */
  private void logs(List<Check> c) {
    for (int n : settings.logCounts()) {
      if (n > 1) {
        ratio(c, "Append, " + settings.callers() + " callers over " + n + " logs / over 1 log",
            "logs-" + n, "logs-1", Double.NaN);
      }
    }
  }

  /** The forwarding scenario's lag against its goal, its throughput, and the index count. */
  private void forwarding(List<Check> c) {
    ForwardingResult f = forwarding;
    if (f == null) {
      return;
    }
    c.add(new Check(String.format("forwarding: lag p99 from Append's answer to the entry"
            + " delivered to OpenSearch; Append sent at %.0f/s, answered %.0f ev/s",
            f.offeredPerSecond(), f.append().eventsPerSecond()),
        String.format("p50 %s, max %s, %d entries, never forwarded %d",
            ForwardingResult.seconds(f.lagP50Nanos()), ForwardingResult.seconds(f.lagMaxNanos()),
            f.entries(), f.neverForwarded()),
        ForwardingResult.seconds(f.lagP99Nanos()),
        String.format("< %.0f s", ForwardingResult.LAG_P99_GOAL_SECONDS), f.lagGoalMet()));
    c.add(new Check("forwarding: forwarded / appended events/s in the window (caught up "
            + (Double.isNaN(f.catchUpSeconds()) ? "never"
                : String.format("%.2f s", f.catchUpSeconds())) + " after the last answer)",
        String.format("%.0f / %.0f ev/s", f.forwardedPerSecond(), f.append().eventsPerSecond()),
        String.format("%.2fx", f.forwardedPerSecond() / f.append().eventsPerSecond()), "",
        null));
    ForwardingResult.Completeness i = f.index();
    c.add(new Check("forwarding: documents in the index (_count) / entries + checkpoints"
            + " forwarded", String.format("%d / %d + %d", i.documents(), i.entries(),
            i.checkpoints()), Long.toString(i.documents()), "equal", i.complete()));
  }

  private void ratio(List<Check> c, String what, String num, String den, double goal) {
    Result n = results.get(num);
    Result d = results.get(den);
    if (n == null || d == null) {
      return;
    }
    double r = n.eventsPerSecond() / d.eventsPerSecond();
    c.add(new Check(what, String.format("%.0f / %.0f ev/s", n.eventsPerSecond(),
        d.eventsPerSecond()), String.format("%.2fx", r),
        Double.isNaN(goal) ? "" : String.format(">= %.1fx", goal),
        Double.isNaN(goal) ? null : r >= goal));
  }

  /** The ratios of all rounds of a pair, when there was more than one. */
  private static String rounds(List<Double> ratios) {
    if (ratios.size() < 2) {
      return "";
    }
    return ratios.stream().map(r -> String.format("%.2fx", r))
        .collect(Collectors.joining(", ", " (median of " + ratios.size() + " rounds: ", ")"));
  }

  private void p99(List<Check> c, String name, double goalMillis) {
    Result r = results.get(name);
    if (r != null) {
      c.add(new Check(String.format("p99 of Append at %.0f ev/s (open loop)",
              r.eventsPerSecond()), String.format("p99.9 %.2f ms, errors %d",
              r.latencyMillis(99.9), r.errors()),
          String.format("%.2f ms", r.latencyMillis(99)), String.format("< %.0f ms", goalMillis),
          r.latencyMillis(99) < goalMillis && r.errors() == 0));
    }
  }

  /** The chain's share of the server's CPU per event (JVM plus PostgreSQL) in the Append run. */
  private void chain(List<Check> c) {
    Result r = results.get("append");
    if (Double.isNaN(hashMicros) || r == null || Double.isNaN(r.serverCpu())) {
      return;
    }
    double perEvent = (r.serverCpu() + r.postgresCpu()) * 1e6 / r.events();
    double share = hashMicros / perEvent;
    c.add(new Check("hash chain: CPU to seal an entry / server CPU per appended event",
        String.format("%.1f us / %.1f us", hashMicros, perEvent),
        String.format("%.1f%%", 100 * share), "< 15%", share < 0.15));
  }

  /** The Merkle tree's share of the server's CPU in the Append runs. */
  private void tree(List<Check> c) {
    if (Double.isNaN(treeShare)) {
      return;
    }
    c.add(new Check("Merkle tree: CPU of its integration thread / server JVM CPU, Append runs",
        "integrating every appended entry", String.format("%.1f%%", 100 * treeShare), "< 5%",
        treeShare < 0.05));
  }

  private void heap(List<Check> c) {
    if (peakHeapMb < 0) {
      return;
    }
    c.add(new Check("server heap: largest occupancy after a GC (GC log); runs with -Xmx"
            + settings.heapMb() + "m", "peak RSS " + peakResidentMb + " MiB",
        peakHeapMb + " MiB", "< 512 MiB", peakHeapMb < 512));
  }
}
