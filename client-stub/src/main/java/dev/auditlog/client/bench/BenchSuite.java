package dev.auditlog.client.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The whole comparison in one run: the server's scenarios and, against the same
 * PostgreSQL, the raw baselines they are measured against, each pair back to back. Prints
 * each result as it comes and returns them all.
 */
final class BenchSuite {
  private final BenchSettings s;
  private final Map<String, Result> results = new LinkedHashMap<>();
  /** Append / raw single-row INSERT of every unary round, lowest first. */
  private final List<Double> unaryRatios = new ArrayList<>();
  /** Append with the database's chain guard / without it, of every round, lowest first. */
  private final List<Double> guardRatios = new ArrayList<>();
  private RawPostgres raw;
  /** The Merkle tree integration's share of the server JVM's CPU in the unary rounds. */
  private double treeShare = Double.NaN;
  private String syncCommit = "unknown";
  private String postgresVersion = "unknown";
  private double hash = Double.NaN;
  private long peakHeapMb = -1;
  private long peakResidentMb = -1;

  BenchSuite(BenchSettings settings) {
    this.s = settings;
  }

  /**
   * Runs the selected scenarios, starting and stopping the server if it has no target; the
   * forwarding scenario last, on a server of its own, once the first one is stopped.
   */
  Report run() throws Exception {
    String load = Machine.loadAverage();
    String skipped = s.forwardingSkipped();
    if (skipped != null) {
      System.out.println("forwarding: skipped: " + skipped);
    }
    boolean forwarding = s.runs("forwarding") && skipped == null;
    ServerProcess server = s.target() != null ? null
        : ServerProcess.start(s.serverJar(), s.certs(), s.heapMb(), s.startedServerArgs());
    try {
      String target = server == null ? s.target() : "127.0.0.1:" + server.port();
      String jdbc = server == null ? s.jdbcUrl() : server.superuserJdbcUrl();
      CpuProbe cpu = server == null ? CpuProbe.NONE
          : new CpuProbe(server.pid(), server.postmasterPid());
      raw = jdbc == null ? null : new RawPostgres(jdbc);
      syncCommit = raw == null ? "unknown" : raw.prepare();
      postgresVersion = jdbc == null ? "unknown" : version(jdbc);
      try (GrpcLoad grpc = new GrpcLoad(target, s.certs(), s.client(), s.connections());
          ClientLoad client = s.runs("client") ? new ClientLoad(target, s.certs(), s.client())
              : null) {
        runScenarios(grpc, cpu);
        if (client != null) {
          clientBatching(client, cpu);
        }
        if (s.runs("hash")) {
          hash = HashCost.microsPerEntry(Math.max(1000, s.duration().toMillis()));
          System.out.printf("%-18s %.2f us of CPU per sealed entry%n", "hash-chain", hash);
        }
        if (forwarding && !results.containsKey("append")) {
          closedAsync("append", s.callers(), 1, grpc::appendAsync, cpu); // the maximum rate
        }
      }
      peakHeapMb = server == null ? -1 : server.peakHeapMb();
      peakResidentMb = server == null ? -1 : server.peakResidentMb();
    } finally {
      if (server != null) {
        server.close(s.serverLog());
      }
    }
    ForwardingResult forwarded = forwarding ? forward() : null;
    return new Report(Machine.describe(), load, postgresVersion, syncCommit, s, results,
        unaryRatios, guardRatios, hash, treeShare, peakHeapMb, peakResidentMb, forwarded);
  }

  /** The forwarding scenario at half the rate {@code append} reached. */
  private ForwardingResult forward() throws Exception {
    ForwardingResult f =
        new ForwardingScenario(s).run(results.get("append").eventsPerSecond() / 2);
    results.put(f.append().name(), f.append());
    System.out.println(f.summary());
    return f;
  }

  private void runScenarios(GrpcLoad grpc, CpuProbe cpu) throws Exception {
    int b = s.batchSize();
    warmUp(grpc);
    if (s.runs("unary")) {
      double[] before = cpu.treeAndServer();
      unaryRounds(grpc, cpu);
      double[] after = cpu.treeAndServer();
      treeShare = (after[0] - before[0]) / (after[1] - before[1]);
      System.out.printf("%-18s %.1f%% of the server's CPU in the Append runs went to the Merkle"
          + " tree's integration thread%n", "merkle-tree", 100 * treeShare);
    }
    if (s.runs("guard") && raw != null) {
      guardRounds(grpc, cpu);
    }
    if (s.runs("open")) {
      open("open-fixed", s.fixedRate(), grpc, cpu);
      Result max = results.get("append");
      if (max != null) {
        open("open-half-max", max.eventsPerSecond() / 2, grpc, cpu);
      }
    }
    if (s.runs("logs")) {
      for (int n : s.logCounts()) {
        closedAsync("logs-" + n, s.callers(), 1, grpc.spreadOver(logs(n)), cpu);
      }
    }
    if (s.runs("batch")) {
      if (raw != null) {
        closed("raw-insert-" + b, s.batchCallers(), b, raw.multiRowInserts(b), cpu.postgresOnly());
        closed("copy-" + b, s.batchCallers(), b, raw.copies(b), cpu.postgresOnly());
      }
      closedAsync("append-batch-" + b, s.batchCallers(), b, () -> grpc.appendBatchAsync(b), cpu);
    }
  }

  /** The first {@code n} logs of the logs scenario. */
  private static List<String> logs(int n) {
    List<String> logs = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      logs.add(BenchSettings.LOG_PREFIX + i);
    }
    return logs;
  }

  /**
   * AuditClient.appendAsync of many async callers, each event a unary Append, then with the
   * client's batching: what batching buys a service that appends from many threads.
   */
  private void clientBatching(ClientLoad client, CpuProbe cpu) throws Exception {
    closedAsync("client-unary", s.callers(), 1, client::unaryAsync, cpu);
    closedAsync("client-batched", s.callers(), 1, client::batchedAsync, cpu);
  }

  /**
   * Runs the raw single-row INSERTs and Append back to back, {@code rounds} times, and keeps
   * the round whose ratio is the median: on a shared machine the rate drifts by tens of
   * percent within minutes, and alternating pairs show how much of a ratio is noise.
   */
  private void unaryRounds(GrpcLoad grpc, CpuProbe cpu) throws Exception {
    List<Result[]> rounds = new ArrayList<>();
    for (int i = 1; i <= s.rounds(); i++) {
      if (s.rounds() > 1) {
        System.out.println("round " + i + " of " + s.rounds());
      }
      Result base = raw == null ? null
          : closed("raw-insert-1", s.callers(), 1, raw.singleRowInserts(), cpu.postgresOnly());
      rounds.add(new Result[] {
          base, closedAsync("append", s.callers(), 1, grpc::appendAsync, cpu)});
    }
    if (raw != null) {
      rounds.sort(Comparator.comparingDouble(BenchSuite::ratio));
      rounds.forEach(r -> unaryRatios.add(ratio(r)));
    }
    Result[] median = rounds.get((rounds.size() - 1) / 2);
    if (median[0] != null) {
      results.put(median[0].name(), median[0]);
    }
    results.put(median[1].name(), median[1]);
  }

  /**
   * What the chain guard (the V5 trigger) costs: Append with it and, right after, without
   * it, {@code rounds} times; the round with the median ratio is kept.
   */
  private void guardRounds(GrpcLoad grpc, CpuProbe cpu) throws Exception {
    List<Result[]> rounds = new ArrayList<>();
    for (int i = 1; i <= s.rounds(); i++) {
      Result guarded = closedAsync("append-guarded", s.callers(), 1, grpc::appendAsync, cpu);
      raw.chainGuard(false);
      try {
        rounds.add(new Result[] {closedAsync("append-unguarded", s.callers(), 1,
            grpc::appendAsync, cpu), guarded});
      } finally {
        raw.chainGuard(true);
      }
    }
    rounds.sort(Comparator.comparingDouble(BenchSuite::ratio));
    rounds.forEach(r -> guardRatios.add(ratio(r)));
    Result[] median = rounds.get((rounds.size() - 1) / 2);
    results.put(median[0].name(), median[0]);
    results.put(median[1].name(), median[1]);
  }

  private static double ratio(Result[] round) {
    return round[1].eventsPerSecond() / round[0].eventsPerSecond();
  }

  /**
   * Runs Append and AppendBatch unmeasured first, so that the server's JIT compiler is done
   * with the hot paths before anything is measured (on two cores it otherwise competes with
   * the first scenarios for CPU).
   */
  private void warmUp(GrpcLoad grpc) throws Exception {
    if (s.serverWarmup().isZero()) {
      return;
    }
    Duration each = s.serverWarmup().dividedBy(2);
    new AsyncClosedLoop("warm-up", s.callers(), 1, each, Duration.ofMillis(1))
        .run(grpc::appendAsync, CpuProbe.NONE);
    new AsyncClosedLoop("warm-up", s.batchCallers(), s.batchSize(), each, Duration.ofMillis(1))
        .run(() -> grpc.appendBatchAsync(s.batchSize()), CpuProbe.NONE);
    System.out.println("warmed up the server for " + s.serverWarmup().toSeconds() + " s");
  }

  private Result closed(String name, int callers, int perCall, Caller.Factory f, CpuProbe cpu)
      throws Exception {
    settle();
    return record(new ClosedLoop(name, callers, perCall, s.warmup(), s.duration()).run(f, cpu));
  }

  private Result closedAsync(String name, int callers, int perCall,
      Supplier<CompletableFuture<Integer>> send, CpuProbe cpu) throws Exception {
    settle();
    return record(
        new AsyncClosedLoop(name, callers, perCall, s.warmup(), s.duration()).run(send, cpu));
  }

  private void open(String name, double rate, GrpcLoad grpc, CpuProbe cpu) throws SQLException {
    settle();
    record(new OpenLoop(name, rate, 1, s.warmup(), s.duration()).run(grpc::appendAsync, cpu));
  }

  /** Before each scenario: a checkpoint, when the database is reachable. */
  private void settle() throws SQLException {
    if (raw != null) {
      raw.checkpoint();
    }
  }

  private Result record(Result r) {
    results.put(r.name(), r);
    System.out.println(r.summary());
    return r;
  }

  private static String version(String jdbcUrl) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW server_version")) {
      rs.next();
      return "PostgreSQL " + rs.getString(1);
    }
  }
}
