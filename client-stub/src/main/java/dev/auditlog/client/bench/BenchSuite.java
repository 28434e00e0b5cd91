package dev.auditlog.client.bench;

import java.sql.Connection;
import java.time.Duration;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
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
  private RawPostgres raw;

  BenchSuite(BenchSettings settings) {
    this.s = settings;
  }

  /** Runs the selected scenarios, starting and stopping the server if it has no target. */
  Report run() throws Exception {
    String load = Machine.loadAverage();
    ServerProcess server = s.target() != null ? null
        : ServerProcess.start(s.serverJar(), s.certs(), s.heapMb(), s.serverArgs());
    try {
      String target = server == null ? s.target() : "127.0.0.1:" + server.port();
      String jdbc = server == null ? s.jdbcUrl() : server.superuserJdbcUrl();
      CpuProbe cpu = server == null ? CpuProbe.NONE
          : new CpuProbe(server.pid(), server.postmasterPid());
      raw = jdbc == null ? null : new RawPostgres(jdbc);
      String syncCommit = raw == null ? "unknown" : raw.prepare();
      double hash = Double.NaN;
      try (GrpcLoad grpc = new GrpcLoad(target, s.certs(), s.client(), s.connections())) {
        runScenarios(grpc, cpu);
        if (s.runs("hash")) {
          hash = HashCost.microsPerEntry(Math.max(1000, s.duration().toMillis()));
          System.out.printf("%-18s %.2f us of CPU per sealed entry%n", "hash-chain", hash);
        }
      }
      return new Report(Machine.describe(), load, jdbc == null ? "unknown" : version(jdbc),
          syncCommit, s, results, hash,
          server == null ? -1 : server.peakHeapMb(), server == null ? -1 : server.peakResidentMb());
    } finally {
      if (server != null) {
        server.close(s.serverLog());
      }
    }
  }

  private void runScenarios(GrpcLoad grpc, CpuProbe cpu) throws Exception {
    int b = s.batchSize();
    warmUp(grpc);
    if (s.runs("unary")) {
      if (raw != null) {
        closed("raw-insert-1", s.callers(), 1, raw.singleRowInserts(), cpu.postgresOnly());
      }
      closedAsync("append", s.callers(), 1, grpc::appendAsync, cpu);
    }
    if (s.runs("open")) {
      open("open-fixed", s.fixedRate(), grpc, cpu);
      Result max = results.get("append");
      if (max != null) {
        open("open-half-max", max.eventsPerSecond() / 2, grpc, cpu);
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

  private void closed(String name, int callers, int perCall, Caller.Factory f, CpuProbe cpu)
      throws Exception {
    settle();
    record(new ClosedLoop(name, callers, perCall, s.warmup(), s.duration()).run(f, cpu));
  }

  private void closedAsync(String name, int callers, int perCall,
      Supplier<CompletableFuture<Integer>> send, CpuProbe cpu) throws Exception {
    settle();
    record(new AsyncClosedLoop(name, callers, perCall, s.warmup(), s.duration()).run(send, cpu));
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

  private void record(Result r) {
    results.put(r.name(), r);
    System.out.println(r.summary());
  }

  private static String version(String jdbcUrl) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW server_version")) {
      rs.next();
      return "PostgreSQL " + rs.getString(1);
    }
  }
}
