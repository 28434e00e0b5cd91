package dev.auditlog.client.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code forwarding} scenario: a server of its own (fresh embedded PostgreSQL) started
 * with one {@code elastic} destination, an OpenSearch node and a fresh index, under unary
 * Append in open loop at a given rate. Every acknowledged seq is timed; a reader polls
 * ListForwarders for the destination's cursor every 100 ms, and {@link ForwardingLag} turns
 * both into each entry's lag. After the load it waits for the destination to catch up and
 * checks that the index holds exactly the entries and checkpoints the cursor covers.
 *
 * <p>A server of its own because forwarding is configured at start and would otherwise
 * forward, and compete with, every other scenario's load.
 */
final class ForwardingScenario {
  static final String DESTINATION = "opensearch";
  static final Duration POLL = Duration.ofMillis(100);
  private static final Duration CATCH_UP = Duration.ofMinutes(3);
  private static final Duration SETTLE = Duration.ofSeconds(10);

  private final BenchSettings s;

  ForwardingScenario(BenchSettings settings) {
    this.s = settings;
  }

  /**
   * Runs Append at {@code rate} events/s for the configured window, after a warm-up as long
   * as the server warm-up (at least the scenario warm-up), all of it forwarded.
   */
  ForwardingResult run(double rate) throws Exception {
    OpenSearchIndex index = new OpenSearchIndex(s.opensearchUrl(), "audit-bench-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    String destination = index.version() + " at " + index.url() + ", index " + index.index();
    Path config = Files.createTempFile("audit-bench-forwarding-", ".json");
    try {
      Files.writeString(config, config(index));
      List<String> args = new ArrayList<>(s.serverArgs());
      args.add("--forwarding-config=" + config);
      ServerProcess server = ServerProcess.start(s.serverJar(), s.certs(), s.heapMb(), args);
      try {
        return measure(server, index, destination, rate);
      } finally {
        server.close(s.serverLog() == null ? null
            : s.serverLog().resolveSibling(s.serverLog().getFileName() + ".forwarding"));
      }
    } finally {
      Files.deleteIfExists(config);
    }
  }

  /** The server's default poll interval and batch size: the scenario measures the defaults. */
  private static String config(OpenSearchIndex index) {
    JsonObject d = new JsonObject();
    d.addProperty("name", DESTINATION);
    d.addProperty("type", "elastic");
    d.addProperty("url", index.url());
    d.addProperty("index", index.index());
    JsonArray destinations = new JsonArray();
    destinations.add(d);
    JsonObject config = new JsonObject();
    config.add("destinations", destinations);
    return config.toString();
  }

  private ForwardingResult measure(ServerProcess server, OpenSearchIndex index,
      String destination, double rate) throws Exception {
    String target = "127.0.0.1:" + server.port();
    Duration warmup = s.serverWarmup().compareTo(s.warmup()) > 0 ? s.serverWarmup()
        : s.warmup();
    AckTimes acks = new AckTimes();
    OpenLoop load = new OpenLoop("forwarding-append", rate, 1, warmup, s.duration());
    try (GrpcLoad grpc = new GrpcLoad(target, s.certs(), s.client(), s.connections());
        CursorPoller poller = new CursorPoller(target, s.certs(), s.reader(), DESTINATION,
            POLL)) {
      Result append = load.run(() -> grpc.appendForSeq().thenApply(seq -> {
        acks.record(seq, System.nanoTime());
        return 1;
      }), new CpuProbe(server.pid(), server.postmasterPid()));
      System.out.println(append.summary());
      ForwardingLag.Acks window = acks.since(load.windowStart());
      if (!poller.awaitCursor(window.lastSeq(), CATCH_UP)) {
        System.err.println("forwarding: the destination did not catch up within "
            + CATCH_UP.toMinutes() + " min; cursor at " + poller.latest() + " of "
            + window.lastSeq());
      }
      ForwardingLag.Samples samples = poller.samples();
      System.out.println("forwarding: " + samples.nanos().length + " polls of ListForwarders,"
          + " failed: " + poller.failures());
      return ForwardingResult.of(destination, rate, append, window, samples, load.windowStart(),
          load.windowEnd(), completeness(server.superuserJdbcUrl(), index));
    }
  }

  /**
   * The index's documents against the entries and checkpoints the cursor covers. A
   * checkpoint made after the load may be on its way: while the two differ, it looks again
   * for a few seconds.
   */
  private static ForwardingResult.Completeness completeness(String jdbcUrl,
      OpenSearchIndex index) throws IOException, SQLException, InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (true) {
      long[] before = forwarded(jdbcUrl);
      long documents = index.refreshedCount();
      long[] after = forwarded(jdbcUrl);
      var c = new ForwardingResult.Completeness(documents, after[0], after[1]);
      boolean stable = before[0] == after[0] && before[1] == after[1];
      if ((stable && c.complete()) || System.nanoTime() > deadline) {
        return c;
      }
      Thread.sleep(500);
    }
  }

  /** {entries, checkpoints} the destination's cursor says were delivered. */
  private static long[] forwarded(String jdbcUrl) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement st = c.prepareStatement("""
            SELECT coalesce(sum(f.seq), 0), coalesce(sum((SELECT count(*)
                     FROM audit.checkpoint k
                    WHERE k.log_id = f.log_id AND k.id <= f.checkpoint_id)), 0)
              FROM audit.forward_cursor f
             WHERE f.destination = ?""")) {
      st.setString(1, DESTINATION);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }
}
