package dev.auditlog.client.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit bench}: load on the audit server, measured against writing the same rows
 * straight into the same PostgreSQL. By default it starts the server jar with a fresh
 * embedded PostgreSQL, runs every scenario and stops the server; with {@code --target} it
 * loads a running server instead (baselines then need {@code --jdbc-url}).
 *
 * <p>Exit code 0 when every call succeeded, 1 when some failed, 2 on bad options (as the
 * {@code audit} command's codes).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Measures Append and AppendBatch (closed and open loop, mutual TLS) against raw",
        "PostgreSQL INSERTs and COPY of the same rows, and writes a markdown report."})
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--target",
      description = "host:port of a running server; unset: start --server-jar.")
  String target;

  @Option(names = "--server-jar", defaultValue = "server/target/audit-server-app.jar",
      description = "Server jar to start (default ${DEFAULT-VALUE}).")
  Path serverJar;

  @Option(names = "--server-arg",
      description = "Extra option for the started server, e.g. --server-arg=--group-size=500.")
  List<String> serverArgs = new ArrayList<>();

  @Option(names = "--heap-mb", defaultValue = "512",
      description = "Heap limit of the started server (default ${DEFAULT-VALUE}).")
  int heapMb;

  @Option(names = "--jdbc-url",
      description = "PostgreSQL for the baselines with --target, e.g. "
          + "jdbc:postgresql://127.0.0.1:5432/audit?user=postgres.")
  String jdbcUrl;

  @Option(names = "--certs", defaultValue = "certs-dev",
      description = "Directory with ca.pem and the client certificate (default ${DEFAULT-VALUE}).")
  Path certs;

  @Option(names = "--client", defaultValue = "auth-backend",
      description = "Client certificate name (default ${DEFAULT-VALUE}).")
  String client;

  @Option(names = "--server-warmup-seconds", defaultValue = "30",
      description = "Unmeasured load before the first scenario (default ${DEFAULT-VALUE}).")
  double serverWarmupSeconds;

  @Option(names = "--warmup-seconds", defaultValue = "5",
      description = "Warm-up per scenario (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--seconds", defaultValue = "15",
      description = "Measured time per scenario (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--callers", defaultValue = "64",
      description = "Concurrent callers of Append and single-row INSERTs (default "
          + "${DEFAULT-VALUE}).")
  int callers;

  @Option(names = "--batch", defaultValue = "100",
      description = "Events per AppendBatch and rows per baseline batch (default "
          + "${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--batch-callers", defaultValue = "8",
      description = "Concurrent callers of the batch scenarios (default ${DEFAULT-VALUE}).")
  int batchCallers;

  @Option(names = "--connections", defaultValue = "2",
      description = "gRPC connections shared by the callers (default ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--rate", defaultValue = "1000",
      description = "Events/s of the fixed-rate open-loop run (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--rounds", defaultValue = "3",
      description = "Runs of the unary pair (raw INSERTs, then Append), alternating; the round"
          + " with the median ratio is reported, all ratios listed (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--scenarios", split = ",",
      defaultValue = "unary,batch,open,hash,guard,client,forwarding,logs",
      description = "Groups to run, of unary, batch, open, hash, guard, client (AuditClient"
          + " with and without batching), forwarding, logs (default ${DEFAULT-VALUE}).")
  Set<String> scenarios = new LinkedHashSet<>();

  @Option(names = "--log-counts", split = ",", defaultValue = "1,2,4,8",
      description = "The logs scenario: --callers Append callers spread over this many logs"
          + " (bench-1, bench-2, ...), one run for each count; a started server gets the logs,"
          + " a --target must serve them to --client (default ${DEFAULT-VALUE}).")
  List<Integer> logCounts;

  @Option(names = "--opensearch-url",
      description = "OpenSearch node for the forwarding scenario, e.g. http://127.0.0.1:9201"
          + " (bench/opensearch.sh starts one); unset: the scenario is skipped.")
  String opensearchUrl;

  @Option(names = "--reader", defaultValue = "auditor",
      description = "Certificate name that polls ListForwarders in the forwarding scenario"
          + " (default ${DEFAULT-VALUE}).")
  String reader;

  @Option(names = "--out", description = "Markdown report to write, e.g. docs/benchmarks.md.")
  Path out;

  @Option(names = "--server-log", description = "Keep the started server's output in this file.")
  Path serverLog;

  /** Runs the command as {@code audit-bench} until the {@code audit} CLI registers it. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    BenchSettings settings;
    try {
      settings = settings();
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      return 2;
    }
    if (settings.runs("forwarding") && settings.forwardingSkipped() == null) {
      try {
        new OpenSearchIndex(settings.opensearchUrl(), "").version(); // before minutes of load
      } catch (IOException e) {
        System.err.println("bench: --opensearch-url does not answer: " + e.getMessage());
        return 2;
      }
    }
    Report report = new BenchSuite(settings).run();
    for (Report.Check c : report.checks()) {
      System.out.printf("%-70s %10s  %s%s%n", c.what(), c.value(), c.goal(),
          c.met() == null ? "" : c.met() ? "  met" : "  NOT MET");
    }
    if (out != null) {
      MarkdownReport.write(report, commandLine(), out);
      System.out.println("wrote " + out);
    }
    return report.errors() == 0 ? 0 : 1;
  }

  BenchSettings settings() {
    return new BenchSettings(target, target == null ? serverJar : null, serverArgs, heapMb,
        jdbcUrl, certs.toAbsolutePath(), client, millis(serverWarmupSeconds),
        millis(warmupSeconds), millis(seconds), callers, batch, batchCallers, connections, rate,
        rounds, scenarios, out, serverLog, opensearchUrl, reader, logCounts);
  }

  /** The settings of a command line without options. */
  BenchSettings withDefaults() {
    BenchCommand defaults = new BenchCommand();
    new CommandLine(defaults).parseArgs();
    return defaults.settings();
  }

  private static Duration millis(double seconds) {
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  private String commandLine() {
    // As a subcommand of `audit`, the original arguments start with "bench" itself.
    java.util.List<String> args = spec.commandLine().getParseResult().originalArgs();
    if (!args.isEmpty() && args.get(0).equals("bench")) {
      args = args.subList(1, args.size());
    }
    return "audit bench " + String.join(" ", args);
  }
}
