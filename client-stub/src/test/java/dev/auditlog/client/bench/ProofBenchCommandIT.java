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
 * A smoke run of {@code audit bench-proofs} on a small log: the tree is rebuilt from the
 * entries after its tiles were deleted, every proof answers and every inclusion proof verifies
 * against the signed root, and the report section is written. Proves the command works, not
 * how fast anything is.
 */
class ProofBenchCommandIT {
  private static final Path SERVER_JAR =
      TestCerts.DIR.getParent().resolve("server/target/audit-server-app.jar");

  @Test
  void smokeRun_rebuildsTheTree_andEveryProofVerifies(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("benchmarks.md");
    String[] args = {"--server-jar", SERVER_JAR.toString(), "--certs", TestCerts.DIR.toString(),
        "--entries", "110000", "--calls", "20", "--warmup-calls", "5", "--data-dir",
        dir.resolve("state").toString(), "--out", report.toString()};

    assertEquals(0, new CommandLine(new ProofBenchCommand()).execute(args));

    String md = Files.readString(report);
    assertTrue(md.contains("## Proofs at scale"), md);
    assertTrue(md.contains("110,000 entries (110,000 filled now)"), md);
    assertTrue(md.contains("the server integrated entries 1..110,000 in"), md);
    assertTrue(md.contains("| inclusion | a random entry of the 110,000"), md);
    assertTrue(md.contains("| consistency |"), md);
  }
}
