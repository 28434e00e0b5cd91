package dev.auditlog.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Writes a {@link Report} as markdown. If the file exists and holds the markers {@code
 * <!-- bench:begin -->} and {@code <!-- bench:end -->}, only the text between them is
 * replaced, so hand-written analysis around them survives a new run.
 */
final class MarkdownReport {
  static final String BEGIN = "<!-- bench:begin -->";
  static final String END = "<!-- bench:end -->";

  private MarkdownReport() {}

  static void write(Report report, String commandLine, Path file) throws IOException {
    String body = BEGIN + "\n" + render(report, commandLine) + END + "\n";
    String text = "# Benchmarks\n\n" + body;
    if (Files.exists(file)) {
      String old = Files.readString(file);
      int b = old.indexOf(BEGIN);
      int e = old.indexOf(END);
      if (b >= 0 && e > b) {
        text = old.substring(0, b) + body + old.substring(e + END.length()).replaceFirst("^\n", "");
      }
    }
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    Files.writeString(file, text);
  }

  /**
   * Replaces the text between {@code begin} and {@code end} in {@code file} with {@code body};
   * where the markers are missing, appends {@code heading}, then the markers around the body.
   */
  static void writeSection(Path file, String heading, String begin, String end, String body)
      throws IOException {
    String old = Files.exists(file) ? Files.readString(file) : "";
    String section = begin + "\n" + body + end + "\n";
    int b = old.indexOf(begin);
    int e = old.indexOf(end);
    String text = b >= 0 && e > b
        ? old.substring(0, b) + section + old.substring(e + end.length()).replaceFirst("^\n", "")
        : old + (old.isEmpty() || old.endsWith("\n\n") ? "" : "\n") + heading + "\n\n" + section;
    Files.writeString(file, text);
  }

  static String render(Report r, String commandLine) {
    StringBuilder md = new StringBuilder();
    md.append("Run on ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(" with `").append(commandLine).append("`.\n\n");
    machine(md, r);
    results(md, r);
    checks(md, r);
    return md.toString();
  }

  private static void machine(StringBuilder md, Report r) {
    md.append("| machine | |\n|---|---|\n");
    for (Map.Entry<String, String> m : r.machine().entrySet()) {
      md.append("| ").append(m.getKey()).append(" | ").append(m.getValue()).append(" |\n");
    }
    md.append("| load average before the run | ").append(r.loadAtStart()).append(" |\n");
    md.append("| database | ").append(r.postgresVersion())
        .append(" (embedded), synchronous_commit ").append(r.synchronousCommit())
        .append(", fsync on |\n");
    BenchSettings s = r.settings();
    md.append(String.format("| run | %.0f s warm-up + %.0f s measured per scenario; unary pair"
            + " %d times, median round shown; %d gRPC connections; server -Xmx%dm %s |%n",
        s.warmup().toMillis() / 1000.0, s.duration().toMillis() / 1000.0, s.rounds(),
        s.connections(), s.heapMb(), String.join(" ", s.serverArgs())));
    if (r.forwarding() != null) {
      md.append(String.format("| forwarding | %s; the server's defaults"
              + " (batch_size 500, poll_interval_ms 200); a server of its own, %.0f s warm-up;"
              + " cursor polled every %d ms |%n", r.forwarding().destination(),
          Math.max(s.serverWarmup().toMillis(), s.warmup().toMillis()) / 1000.0,
          ForwardingScenario.POLL.toMillis()));
    }
    md.append('\n');
  }

  private static void results(StringBuilder md, Report r) {
    md.append("| scenario | events/s | p50 ms | p99 ms | p99.9 ms | errors"
        + " | CPU s / 10k events: server JVM | PostgreSQL | load generator |\n");
    md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (Result x : r.results().values()) {
      md.append(String.format("| %s | %.0f | %.2f | %.2f | %.2f | %d | %s | %s | %s |%n",
          x.name(), x.eventsPerSecond(), x.latencyMillis(50), x.latencyMillis(99),
          x.latencyMillis(99.9), x.errors(), cpu(x.per10k(x.serverCpu())),
          cpu(x.per10k(x.postgresCpu())), cpu(x.per10k(x.clientCpu()))));
    }
    md.append('\n');
  }

  private static void checks(StringBuilder md, Report r) {
    md.append("| target / comparison | measured | ratio or value | goal | met |\n");
    md.append("|---|---|--:|---|---|\n");
    for (Report.Check c : r.checks()) {
      md.append("| ").append(c.what()).append(" | ").append(c.measured()).append(" | ")
          .append(c.value()).append(" | ").append(c.goal()).append(" | ")
          .append(c.met() == null ? "" : c.met() ? "yes" : "**no**").append(" |\n");
    }
    md.append('\n');
  }

  private static String cpu(double seconds) {
    return Double.isNaN(seconds) ? "-" : String.format("%.2f", seconds);
  }
}
