package dev.auditlog.client.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A smoke run of the bench command, a few seconds of load per scenario: it starts the
 * server jar as a user would, loads it and the raw baselines, and writes its report. Proves
 * the command works, not how fast anything is.
 */
class BenchCommandIT {
  private static final Path SERVER_JAR =
      TestCerts.DIR.getParent().resolve("server/target/audit-server-app.jar");

  @Test
  void smokeRun_ofEveryScenario_writesAReportWithoutErrors(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("benchmarks.md");

    int exit = new CommandLine(new BenchCommand()).execute(
        "--server-jar", SERVER_JAR.toString(), "--certs", TestCerts.DIR.toString(),
        "--server-warmup-seconds", "1", "--warmup-seconds", "0.3", "--seconds", "0.7",
        "--callers", "4", "--batch", "10", "--batch-callers", "2", "--rate", "100",
        "--rounds", "2", "--out", report.toString());

    assertEquals(0, exit);
    String md = Files.readString(report);
    for (String row : new String[] {"| raw-insert-1 |", "| append |", "| raw-insert-10 |",
        "| copy-10 |", "| append-batch-10 |", "| open-fixed |", "| open-half-max |",
        "hash chain", "synchronous_commit on", "(median of 2 rounds: ", "| logs-1 |",
        "| logs-8 |", "over 8 logs / over 1 log", "| client-unary |",
        "| client-batched |", "AuditClient.appendAsync with batching"}) {
      assertTrue(md.contains(row), () -> "report lacks " + row + ":\n" + md);
    }
  }

  @Test
  void report_keepsTheTextAroundItsMarkers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("benchmarks.md");
    Files.writeString(file, "# Benchmarks\n\nintro\n\n" + MarkdownReport.BEGIN + "\nold\n"
        + MarkdownReport.END + "\n\nanalysis\n");

    MarkdownReport.write(new Report(java.util.Map.of(), "0", "PostgreSQL 18", "on",
        new BenchCommand().withDefaults(), java.util.Map.of(), java.util.List.of(),
        java.util.List.of(), Double.NaN, Double.NaN,
        -1, -1, null), "cmd", file);

    String md = Files.readString(file);
    assertTrue(md.startsWith("# Benchmarks\n\nintro\n\n" + MarkdownReport.BEGIN + "\n"), md);
    assertTrue(md.endsWith(MarkdownReport.END + "\n\nanalysis\n"), md);
    assertTrue(!md.contains("old") && md.contains("`cmd`"), md);
  }
}
