package dev.auditlog.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.client.verify.ExportVerifier;
import dev.auditlog.client.verify.Verification;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Not a unit test: appends {@code -Daudit.bench.entries=N} entries, exports them with
 * {@code audit export} and verifies the file, and prints the rates and the heap's peak.
 * Skipped unless the property is set. Run it alone, with a bounded heap, e.g.
 *
 * <pre>
 * mvn -B -pl proto,server,client-stub verify -DskipITs -Dtest=ExportVerifyBenchmark \
 *   -Dsurefire.failIfNoSpecifiedTests=false -Daudit.bench.entries=1000000 -DargLine=-Xmx256m
 * </pre>
 */
@EnabledIfSystemProperty(named = "audit.bench.entries", matches = "[0-9]+")
class ExportVerifyBenchmark {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  @Test
  void exportAndVerify() throws Exception {
    int n = Integer.getInteger("audit.bench.entries");
    Path file = Files.createTempFile("audit-bench", ".jsonl");
    try {
      long t0 = System.nanoTime();
      append(server, n);
      long t1 = System.nanoTime();
      report("append", n, t1 - t0);
      int exit = AuditCommand.commandLine(new PrintWriter(System.out, true),
          new PrintWriter(System.err, true)).execute("export", "--target",
          "localhost:" + server.port(), "--cert", TestCerts.pem("auditor").toString(),
          "--key", TestCerts.key("auditor").toString(), "--ca", TestCerts.pem("ca").toString(),
          "-o", file.toString());
      long t2 = System.nanoTime();
      assertEquals(0, exit);
      report("export", n, t2 - t1);
      System.out.printf("export file: %d bytes%n", Files.size(file));
      Verification v;
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        v = ExportVerifier.verify(in,
            Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY));
      }
      long t3 = System.nanoTime();
      assertTrue(v.ok(), v.toString());
      assertEquals(n, v.entries());
      report("verify", n, t3 - t2);
      System.out.printf("heap: max %d MiB, peak used (sum of pools) %d MiB%n",
          Runtime.getRuntime().maxMemory() >> 20, peakHeap() >> 20);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static void append(AuditServerExtension server, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    AuditLogBlockingStub stub = server.stub("auth-backend");
    for (int left = n; left > 0; left -= 1000) {
      int size = Math.min(1000, left);
      done.add(pool.submit(() -> {
        AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
        for (int i = 0; i < size; i++) {
          b.addEvents(Events.registrationFailure());
        }
        stub.withDeadlineAfter(120, TimeUnit.SECONDS).appendBatch(b.build());
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
  }

  private static void report(String what, int n, long nanos) {
    System.out.printf("%s: %d entries in %.1f s, %.0f entries/s%n", what, n, nanos / 1e9,
        n / (nanos / 1e9));
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
