package dev.auditlog.client.bench;

import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.client.AuditClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Runs the {@link SearchScenarios} one after the other through a real {@link AuditClient}
 * (mutual TLS, one call at a time) and renders what they measured as markdown.
 */
final class SearchBench {
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
      System.out.printf("%-26s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  %6.0f entries/page"
          + "  errors %d%n", s.name(), o.millis(50), o.millis(99), o.millis(100),
          (double) o.entries() / o.calls(), o.errors());
    }
    return outcomes;
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
