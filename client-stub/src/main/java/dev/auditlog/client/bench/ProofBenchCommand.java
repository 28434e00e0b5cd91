package dev.auditlog.client.bench;

import com.google.protobuf.ByteString;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetConsistencyProofResponse;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.GetInclusionProofResponse;
import dev.auditlog.client.AuditClient;
import dev.auditlog.integrity.tlog.Merkle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code audit bench-proofs}: the Merkle tree on a large log. Fills the log ({@link
 * SearchFill}) unless it holds the entries, then, unless {@code --keep-tree}, deletes its
 * stored tiles as the superuser and restarts the server, which builds the tree again from
 * the entries as it does for a log from before the tree existed (the backfill, timed by the
 * server's own log line and by the first fresh checkpoint). Then it measures inclusion proofs
 * of random entries against that checkpoint, each verified against its signed root, and
 * consistency proofs from random smaller sizes to it, one call at a time over mutual TLS.
 *
 * <p>Exit code 0 when every call succeeded and every inclusion proof verified, 1 otherwise,
 * 2 on bad options.
 */
@Command(name = "bench-proofs", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Fills a log with --entries entries (unless it holds them), rebuilds its Merkle tree",
        "from the entries (timed), and measures inclusion and consistency proofs over mutual",
        "TLS; writes a markdown section."})
public final class ProofBenchCommand implements Callable<Integer> {
  static final String BEGIN = "<!-- bench-proofs:begin -->";
  static final String END = "<!-- bench-proofs:end -->";
  private static final Pattern INTEGRATED =
      Pattern.compile("integrated entries 1\\.\\.(\\d+) into the Merkle tree in (\\d+) ms");

  @Spec CommandSpec spec;

  @Option(names = "--entries", defaultValue = "10000000",
      description = "Entries the log must hold (default ${DEFAULT-VALUE}).")
  long entries;

  @Option(names = "--server-jar", defaultValue = "server/target/audit-server-app.jar",
      description = "Server jar to start (default ${DEFAULT-VALUE}).")
  Path serverJar;

  @Option(names = "--data-dir", required = true,
      description = "The server's state, kept: a second run on the same directory skips the"
          + " fill.")
  Path dataDir;

  @Option(names = "--keep-tree",
      description = "Measure the proofs on the stored tree, without deleting and rebuilding it.")
  boolean keepTree;

  @Option(names = "--heap-mb", defaultValue = "512",
      description = "Heap limit of the started server (default ${DEFAULT-VALUE}).")
  int heapMb;

  @Option(names = "--certs", defaultValue = "certs-dev",
      description = "Directory with ca.pem and the client certificate (default ${DEFAULT-VALUE}).")
  Path certs;

  @Option(names = "--client", defaultValue = "auditor",
      description = "Client certificate name, an identity that may read (default "
          + "${DEFAULT-VALUE}).")
  String client;

  @Option(names = "--calls", defaultValue = "2000",
      description = "Measured calls per proof kind (default ${DEFAULT-VALUE}).")
  int calls;

  @Option(names = "--warmup-calls", defaultValue = "500",
      description = "Unmeasured calls before each kind (default ${DEFAULT-VALUE}).")
  int warmupCalls;

  @Option(names = "--out",
      description = "Markdown file whose bench-proofs section to write, e.g. docs/benchmarks.md.")
  Path out;

  /** What one kind of proof measured. */
  record Outcome(String name, String what, Histogram micros, long errors) {
    double millis(double percentile) {
      return micros.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (entries < 2 || calls < 1 || warmupCalls < 0) {
      System.err.println("bench-proofs: --entries must be >= 2, --calls >= 1, --warmup-calls"
          + " >= 0");
      return 2;
    }
    String load = Machine.loadAverage();
    Path abs = certs.toAbsolutePath();
    ServerProcess server = ServerProcess.start(serverJar, abs, heapMb, List.of(), dataDir);
    long filled;
    try {
      filled = new SearchFill(server.superuserJdbcUrl(), "default", new SearchData(13))
          .fill(entries, Duration.ofDays(90), System.out::println).appended();
      if (!keepTree) {
        deleteTiles(server.superuserJdbcUrl());
      }
    } finally {
      server.close();
    }
    server = ServerProcess.start(serverJar, abs, heapMb, List.of(), dataDir);
    try (AuditClient audit = AuditClient.connect("127.0.0.1:" + server.port(),
        abs.resolve(client + ".pem"), abs.resolve(client + ".key"), abs.resolve("ca.pem"),
        Duration.ofMinutes(30))) {
      long began = System.nanoTime();
      Checkpoint head = audit.checkpoint(GetCheckpointRequest.newBuilder().setFresh(true)
          .build());
      double firstCheckpoint = (System.nanoTime() - began) / 1e9;
      String backfill = keepTree ? "none: --keep-tree" : backfill(server, firstCheckpoint);
      System.out.println("tree of " + head.getTreeSize() + " leaves: " + backfill);
      AuditClient timed = audit.withDeadline(Duration.ofSeconds(30));
      List<Outcome> outcomes = List.of(inclusion(timed, head), consistency(timed, head));
      if (out != null) {
        MarkdownReport.writeSection(out, "## Proofs at scale (`audit bench-proofs`)", BEGIN,
            END, markdown(outcomes, setup(head, filled, backfill, load)));
        System.out.println("wrote " + out);
      }
      return outcomes.stream().allMatch(o -> o.errors() == 0) ? 0 : 1;
    } finally {
      server.close();
    }
  }

  /** Deletes the stored tiles, which the tables' guards refuse to anyone but a superuser. */
  private static void deleteTiles(String jdbc) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE audit.merkle_tile DISABLE TRIGGER USER");
      s.execute("DELETE FROM audit.merkle_tile");
      s.execute("ALTER TABLE audit.merkle_tile ENABLE TRIGGER USER");
    }
  }

  private static String backfill(ServerProcess server, double firstCheckpointSeconds)
      throws Exception {
    Matcher m = INTEGRATED.matcher(Files.readString(server.logFile()));
    String logged = m.find() ? String.format("the server integrated entries 1..%,d in %.1f s",
        Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) / 1000.0)
        : "no integration line in the server's log";
    return String.format("%s; the first fresh checkpoint answered %.1f s after the server"
        + " listened", logged, firstCheckpointSeconds);
  }

  private Outcome inclusion(AuditClient audit, Checkpoint head) {
    byte[] root = HexFormat.of().parseHex(head.getMerkleRoot());
    long size = head.getTreeSize();
    return measure("inclusion", "a random entry of the " + String.format("%,d", size)
        + ", against the checkpoint", seed -> {
          long seq = 1 + new SplittableRandom(seed).nextLong(size);
          GetInclusionProofResponse r = audit.inclusionProof(GetInclusionProofRequest
              .newBuilder().setSeq(seq).setTreeSize(size).build());
          byte[] leaf = Merkle.leafHash(HexFormat.of().parseHex(r.getEntry().getEntryHash()));
          return r.getEntry().getSeq() == seq && Merkle.verifyInclusion(seq - 1, size, leaf,
              r.getHashesList().stream().map(ByteString::toByteArray).toList(), root);
        });
  }

  private Outcome consistency(AuditClient audit, Checkpoint head) {
    long size = head.getTreeSize();
    return measure("consistency", "from a random smaller size to the checkpoint's", seed -> {
      long old = 1 + new SplittableRandom(seed).nextLong(size - 1);
      GetConsistencyProofResponse r = audit.consistencyProof(GetConsistencyProofRequest
          .newBuilder().setOldSize(old).setNewSize(size).build());
      return r.getNewSize() == size && r.getHashesCount() > 0;
    });
  }

  private Outcome measure(String name, String what, LongPredicate call) {
    Histogram micros = new Histogram(60_000_000L, 3);
    long errors = 0;
    for (int i = 0; i < warmupCalls + calls; i++) {
      long start = System.nanoTime();
      boolean ok;
      try {
        ok = call.test(i);
      } catch (RuntimeException e) {
        System.err.println(name + ": " + e);
        ok = false;
      }
      if (i >= warmupCalls) {
        micros.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
        errors += ok ? 0 : 1;
      }
    }
    Outcome o = new Outcome(name, what, micros, errors);
    System.out.printf("%-12s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  errors %d%n", name,
        o.millis(50), o.millis(99), o.millis(100), errors);
    return o;
  }

  private String setup(Checkpoint head, long filled, String backfill, String load) {
    List<String> rows = new ArrayList<>();
    Machine.describe().forEach((k, v) -> rows.add("| " + k + " | " + v + " |"));
    rows.add("| load average before the run | " + load + " |");
    rows.add(String.format("| log | %,d entries (%s) |", head.getTreeSize(),
        filled == 0 ? "filled by an earlier run" : String.format("%,d filled now", filled)));
    rows.add("| tree backfill | " + backfill + " |");
    rows.add(String.format("| calls | %d per kind after %d unmeasured; one at a time |", calls,
        warmupCalls));
    return "| setup | |\n|---|---|\n" + String.join("\n", rows) + "\n";
  }

  private String markdown(List<Outcome> outcomes, String setup) {
    List<String> args = spec.commandLine().getParseResult().originalArgs();
    if (!args.isEmpty() && args.get(0).equals("bench-proofs")) {
      args = args.subList(1, args.size());
    }
    StringBuilder md = new StringBuilder();
    md.append("Run on ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(" with `audit bench-proofs ").append(String.join(" ", args)).append("`.\n\n")
        .append(setup).append('\n')
        .append("| proof | of | p50 ms | p99 ms | max ms | errors |\n|---|---|--:|--:|--:|--:|\n");
    for (Outcome o : outcomes) {
      md.append(String.format("| %s | %s | %.2f | %.2f | %.2f | %d |%n", o.name(), o.what(),
          o.millis(50), o.millis(99), o.millis(100), o.errors()));
    }
    return md.toString();
  }

  /** Runs the command alone. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ProofBenchCommand()).execute(args));
  }
}
