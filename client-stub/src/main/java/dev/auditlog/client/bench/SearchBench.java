package dev.auditlog.client.bench;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.client.AuditClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.postgresql.PGStatement;

/**
 * Runs the {@link SearchScenarios} one after the other through a real {@link AuditClient}
 * (mutual TLS, one call at a time) and renders what they measured as markdown.
 */
final class SearchBench {
  /** The baseline's name in the report ({@link #runRaw}). */
  static final String RAW = "raw PostgreSQL, no filter";
  private static final String NO_FILTER = "no filter";
  /** The entry table's columns, as the server selects them for a page. */
  private static final String COLUMNS = "seq, recorded_at, event_id, user_id, action, target,"
      + " source_ip, outcome, occurred_at, risk_signals, attributes, producer, entry_hash,"
      + " chain_hash";
  private static final int COLUMN_COUNT = 14;
  /** Unmeasured calls, spread over the scenarios, before the first measured one. */
  static final int SERVER_WARMUP_CALLS = 500;
  /**
   * What one scenario measured.
   *
   * @param latencyMicros per call, from send to the whole page received
   * @param entries entries returned over all measured calls
   */
  record Outcome(SearchScenarios.Scenario scenario, Histogram latencyMicros, long calls,
      long entries, long errors) {
    double millis(double percentile) {
      return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private final AuditClient client;
  private final SearchScenarios.Window window;
  private final int warmupCalls;
  private final int calls;

  SearchBench(AuditClient client, SearchScenarios.Window window, int warmupCalls, int calls) {
    this.client = client;
    this.window = window;
    this.warmupCalls = warmupCalls;
    this.calls = calls;
  }

  List<Outcome> run(List<SearchScenarios.Scenario> scenarios) {
    // The server's JIT compiles the page path during the first few hundred calls; on a busy
    // machine that took longer than one scenario's warm-up, and the first scenario paid.
    for (SearchScenarios.Scenario s : scenarios) {
      new SearchBench(client, window, 0, Math.max(1, SERVER_WARMUP_CALLS / scenarios.size()))
          .run(s);
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (SearchScenarios.Scenario s : scenarios) {
      Outcome o = run(s);
      outcomes.add(o);
      print(o);
    }
    return outcomes;
  }

  /**
   * The baseline: the rows of the page without a filter, read by pgjdbc as the superuser
   * over loopback from the same database (no server, no TLS, no gRPC), from the same random
   * starts as the scenario {@code no filter}, every column read as a String. What the page's
   * database work alone takes on this machine in this run, to read the scenarios against:
   * the machine's speed moves between runs.
   */
  Outcome runRaw(String jdbc) throws SQLException {
    SearchScenarios.Scenario s = new SearchScenarios.Scenario(RAW, "the rows of the page"
        + " without a filter, read with pgjdbc as the superuser: no server, no TLS, no gRPC",
        null);
    SplittableRandom random = new SplittableRandom(NO_FILTER.hashCode());
    Histogram latency = new Histogram(60_000_000L, 3);
    long entries = 0;
    try (Connection c = DriverManager.getConnection(jdbc);
        PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit.entry"
            + " WHERE log_id = 'default' AND seq >= (SELECT seq FROM audit.entry"
            + " WHERE log_id = 'default' AND recorded_at >= ? ORDER BY recorded_at, seq"
            + " LIMIT 1) ORDER BY seq LIMIT " + (SearchScenarios.PAGE + 1))) {
      ps.unwrap(PGStatement.class).setPrepareThreshold(0); // planned with its value, as List's
      for (int i = 0; i < warmupCalls + calls; i++) {
        Timestamp since = window.randomSince(random);
        ps.setObject(1, Instant.ofEpochSecond(since.getSeconds(), since.getNanos())
            .atOffset(ZoneOffset.UTC));
        long start = System.nanoTime();
        int rows = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            for (int k = 1; k <= COLUMN_COUNT; k++) {
              rs.getString(k);
            }
            rows++;
          }
        }
        long micros = (System.nanoTime() - start) / 1000;
        if (i >= warmupCalls) {
          latency.recordValue(Math.max(1, micros));
          entries += Math.min(rows, SearchScenarios.PAGE);
        }
      }
    }
    Outcome o = new Outcome(s, latency, calls, entries, 0);
    print(o);
    return o;
  }

  private static void print(Outcome o) {
    System.out.printf("%-26s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  %6.0f entries/page"
        + "  errors %d%n", o.scenario().name(), o.millis(50), o.millis(99), o.millis(100),
        (double) o.entries() / o.calls(), o.errors());
  }

  private Outcome run(SearchScenarios.Scenario s) {
    SplittableRandom random = new SplittableRandom(s.name().hashCode());
    Histogram latency = new Histogram(60_000_000L, 3);
    long entries = 0;
    long errors = 0;
    for (int i = 0; i < warmupCalls + calls; i++) {
      ListRequest request = s.request().apply(random, window);
      long start = System.nanoTime();
      try {
        ListResponse page = client.list(request);
        long micros = (System.nanoTime() - start) / 1000;
        if (i >= warmupCalls) {
          latency.recordValue(Math.max(1, micros));
          entries += page.getEntriesCount();
        }
      } catch (RuntimeException e) {
        if (i >= warmupCalls) {
          errors++;
        }
        if (errors == 1) {
          System.err.println(s.name() + ": " + e);
        }
      }
    }
    return new Outcome(s, latency, calls, entries, errors);
  }

  /** The report section: how it ran, then one row per scenario. */
  static String markdown(List<Outcome> outcomes, String setup, String commandLine) {
    StringBuilder md = new StringBuilder();
    md.append("Run on ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" with `")
        .append(commandLine).append("`.\n\n").append(setup).append('\n');
    md.append("| scenario | filter | p50 ms | p99 ms | max ms | entries per page | errors |\n");
    md.append("|---|---|--:|--:|--:|--:|--:|\n");
    for (Outcome o : outcomes) {
      md.append(String.format("| %s | %s | %.1f | %.1f | %.1f | %.0f | %d |%n",
          o.scenario().name(), o.scenario().filter().replace("|", "\\|"), o.millis(50),
          o.millis(99), o.millis(100), (double) o.entries() / Math.max(1, o.calls()),
          o.errors()));
    }
    return md.toString();
  }
}
