package dev.auditlog.client.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a bench run does, checked once.
 *
 * @param target host:port of a running server, or null to start {@code serverJar}
 * @param serverJar the server's runnable jar, started with a fresh embedded PostgreSQL
 * @param serverArgs further server options, e.g. {@code --group-size=500}
 * @param heapMb the started server's heap limit
 * @param jdbcUrl PostgreSQL for the baselines when {@code target} is given, or null
 * @param certs the directory with ca.pem and the client's certificate and key
 * @param client the client certificate's name in {@code certs}
 * @param serverWarmup unmeasured load before the first scenario (server JIT warm-up)
 * @param warmup time before each measured window
 * @param duration each measured window
 * @param callers concurrent callers of the unary runs
 * @param batchSize events per AppendBatch, rows per baseline batch
 * @param batchCallers concurrent callers of the batch runs
 * @param connections gRPC connections shared by the callers
 * @param fixedRate events/s of the fixed-rate open-loop run
 * @param rounds how often the unary pair (raw single-row INSERTs, then Append) runs; the
 *     round with the median ratio is reported
 * @param groups which groups of scenarios run: unary, batch, open, hash, guard, client,
 *     forwarding, logs
 * @param out markdown file to write, or null
 * @param serverLog where to keep the started server's output, or null
 * @param opensearchUrl the OpenSearch node of the forwarding scenario, or null to skip it
 * @param reader the certificate name in {@code certs} that polls ListForwarders
 */
record BenchSettings(String target, Path serverJar, List<String> serverArgs, int heapMb,
    String jdbcUrl, Path certs, String client, Duration serverWarmup, Duration warmup,
    Duration duration,
    int callers, int batchSize, int batchCallers, int connections, double fixedRate, int rounds,
    Set<String> groups, Path out, Path serverLog, String opensearchUrl, String reader,
    List<Integer> logCounts) {

  static final Set<String> GROUPS =
      Set.of("unary", "batch", "open", "hash", "guard", "client", "forwarding", "logs");
  /** The logs of the logs scenario are named this and a number from 1 on. */
  static final String LOG_PREFIX = "bench-";

  BenchSettings {
    require(target != null || serverJar != null, "--server-jar", serverJar, "a jar");
    require(!duration.isNegative() && !duration.isZero(), "--seconds", duration, "> 0");
    require(!warmup.isNegative(), "--warmup-seconds", warmup, ">= 0");
    require(!serverWarmup.isNegative(), "--server-warmup-seconds", serverWarmup, ">= 0");
    require(callers >= 1, "--callers", callers, ">= 1");
    require(batchSize >= 1 && batchSize <= 1000, "--batch", batchSize, "1..1000");
    require(batchCallers >= 1, "--batch-callers", batchCallers, ">= 1");
    require(connections >= 1, "--connections", connections, ">= 1");
    require(fixedRate > 0, "--rate", fixedRate, "> 0");
    require(rounds >= 1 && rounds <= 20, "--rounds", rounds, "1..20");
    require(GROUPS.containsAll(groups), "--scenarios", groups, "of " + GROUPS);
    require(opensearchUrl == null || opensearchUrl.matches("https?://[^\\s\"]+"),
        "--opensearch-url", opensearchUrl, "an http:// or https:// URL");
    require(logCounts != null && !logCounts.isEmpty()
        && logCounts.stream().allMatch(n -> n >= 1 && n <= 64), "--log-counts", logCounts,
        "numbers of logs, 1..64 each");
    serverArgs = List.copyOf(serverArgs);
    groups = Set.copyOf(groups);
    logCounts = List.copyOf(logCounts);
  }

  /** The most logs the logs scenario spreads its callers over. */
  int maxLogs() {
    return logCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  /**
   * The options of a started server: those given, and, for the logs scenario, the logs it
   * spreads its callers over, to which the bench's client may append.
   */
  List<String> startedServerArgs() {
    if (!runs("logs")) {
      return serverArgs;
    }
    List<String> args = new ArrayList<>(serverArgs);
    for (int i = 1; i <= maxLogs(); i++) {
      args.add("--log=" + LOG_PREFIX + i);
    }
    args.add("--log-appender=*=" + client);
    return args;
  }

  private static void require(boolean ok, String option, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(option + " must be " + expected + ", got " + value);
    }
  }

  boolean runs(String group) {
    return groups.contains(group);
  }

  /**
   * Why the forwarding scenario, though selected, cannot run; null when it can or is not
   * selected.
   */
  String forwardingSkipped() {
    if (!runs("forwarding")) {
      return null;
    }
    if (target != null) {
      return "it starts a server of its own with a forwarding configuration, so not with"
          + " --target";
    }
    if (opensearchUrl == null) {
      return "no --opensearch-url (bench/opensearch.sh starts a node; see docs/benchmarks.md)";
    }
    return null;
  }
}
