package dev.auditlog.client.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.client.AuditClient;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A smoke run of {@code audit bench-search} on a small log: the fill is accepted by the
 * database's chain guard, every scenario answers, and the report section is written. Proves
 * the command works, not how fast anything is.
 */
class SearchBenchCommandIT {
  private static final Path SERVER_JAR =
      TestCerts.DIR.getParent().resolve("server/target/audit-server-app.jar");

  @Test
  void smokeRun_fillsASealedLog_andWritesEveryScenario(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("benchmarks.md");
    Files.writeString(report, "# Benchmarks\n\nearlier results\n");
    String[] args = {"--server-jar", SERVER_JAR.toString(), "--certs", TestCerts.DIR.toString(),
        "--entries", "60000", "--calls", "2", "--warmup-calls", "1", "--data-dir",
        dir.resolve("state").toString(), "--out", report.toString()};

    assertEquals(0, new CommandLine(new SearchBenchCommand()).execute(args));
    String[] again = Arrays.copyOf(args, args.length + 1);
    again[args.length] = "--prewarm";
    assertEquals(0, new CommandLine(new SearchBenchCommand()).execute(again), "reused");

    String md = Files.readString(report);
    assertTrue(md.startsWith("# Benchmarks\n\nearlier results\n\n## Search at scale"), md);
    assertEquals(md.indexOf(SearchBenchCommand.BEGIN), md.lastIndexOf(SearchBenchCommand.BEGIN));
    assertTrue(md.contains("the log was filled by an earlier run"), md);
    assertTrue(md.contains("of the entry partitions and their indexes loaded into shared_buffers"),
        md);
    for (SearchScenarios.Scenario s : SearchScenarios.all()) {
      assertTrue(md.contains("| " + s.name() + " |"), () -> "report lacks " + s.name());
    }
    assertTrue(md.contains("| " + SearchBench.RAW + " |"), md);
    assertTrue(md.contains("60,000 entries"), md);
    assertFalse(md.contains("table with indexes 0 bytes"), "sizes of the partitions: " + md);
  }

  @Test
  void filledEntries_areSealedAsTheServerSealsThem(@TempDir Path dir) throws Exception {
    ServerProcess server = ServerProcess.start(SERVER_JAR, TestCerts.DIR, 256, List.of());
    try (AuditClient audit = AuditClient.connect("127.0.0.1:" + server.port(),
        TestCerts.pem("auditor"), TestCerts.key("auditor"), TestCerts.pem("ca"))) {
      new SearchFill(server.superuserJdbcUrl(), "default", new SearchData(1))
          .fill(1200, java.time.Duration.ofDays(1), line -> { });

      List<Entry> all = audit.listAll(ListRequest.newBuilder().setPageSize(1000).build())
          .toList();
      assertEquals(1200, all.size());
      String chain = EntryHasher.GENESIS_CHAIN_HASH;
      for (Entry e : all) {
        assertEquals(EntryHasher.entryHash(e), e.getEntryHash(), "seq " + e.getSeq());
        chain = EntryHasher.chainHash(chain, e.getEntryHash());
        assertEquals(chain, e.getChainHash(), "seq " + e.getSeq());
      }
    } finally {
      server.close();
    }
  }
}
