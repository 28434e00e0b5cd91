package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.store.PostgresRetention;
import dev.auditlog.server.store.RawAppends;
import dev.auditlog.server.store.Retention;
import dev.auditlog.server.store.StoreFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar audit-server.jar [options] archive} as an operator runs it, on a log of
 * 700 entries in partitions of 300: the first partition archived once its entries are older
 * than the retention, refused while they are not.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ArchiveCommandIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private TestDatabase db;
  private HikariDataSource owner;
  private final List<ServerProcess> processes = new ArrayList<>();

  @BeforeEach
  void fill() throws Exception {
    db = TestDatabase.create();
    owner = StoreFactory.ownerPool(db.jdbcUrl(), TestDatabase.OWNER,
        TestDatabase.password(TestDatabase.OWNER));
    PostgresRetention.record(owner, "audit", "default", new Retention(30));
    try (Connection c = owner.getConnection(); Statement s = c.createStatement()) {
      s.execute("SELECT audit.entry_partition_add('default', 300)");
      s.execute("SELECT audit.entry_partition_add('default', 300)");
      s.execute("SELECT audit.entry_partition_add('default', 300)");
    }
    RawAppends.append(db.writer(), "default", 300, Instant.now().minus(Duration.ofDays(40)));
    RawAppends.append(db.writer(), "default", 400, Instant.now());
    try (Checkpointer server = new Checkpointer(db.store(), "default",
        SigningKey.read(AuditServerExtension.PRIVATE_SIGNING_KEY), "test/default", List.of())) {
      server.checkpoint(); // as the server does every interval: its tree is past the range
    }
  }

  @AfterEach
  void close() {
    processes.forEach(ServerProcess::kill);
    owner.close();
    db.close();
  }

  @Test
  void archive_ofAPartitionOlderThanTheRetention_writesTheFileAndDropsThePartition()
      throws Exception {
    Path out = tmp.resolve("archive.jsonl");

    ServerProcess archive = run("archive", "--up-to-seq", "300", "--out", out.toString());

    assertEquals(0, archive.awaitExit(TIMEOUT), archive.output());
    assertTrue(archive.output().contains("archived log 'default' seq 1..300 (300 entries) to "
        + out), archive.output());
    assertTrue(archive.output().contains("dropped partitions [entry_p1]"), archive.output());
    assertEquals(302, Files.readAllLines(out).size());
    assertEquals(400, db.countEntries());
  }

  @Test
  void archive_insideTheRetention_isRefused_andChangesNothing() throws Exception {
    Path out = tmp.resolve("archive.jsonl");

    ServerProcess archive = run("archive", "--up-to-seq", "600", "--out", out.toString());

    assertEquals(1, archive.awaitExit(TIMEOUT), archive.output());
    assertTrue(archive.output().contains("audit-server archive: refused: --up-to-seq 600:"
        + " entry seq 600 of log 'default' was recorded at "), archive.output());
    assertTrue(archive.output().contains("inside the retention of 30 days"), archive.output());
    assertFalse(Files.exists(out));
    assertEquals(700, db.countEntries());
  }

  private ServerProcess run(String... command) {
    List<String> all = new ArrayList<>(List.of("--db-url", db.jdbcUrl(),
        "--db-user", TestDatabase.WRITER, "--db-owner-user", TestDatabase.OWNER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-password", TestDatabase.password(TestDatabase.OWNER),
        "--signing-key", AuditServerExtension.PRIVATE_SIGNING_KEY.toString(),
        // before the subcommand: the server's options are the parent command's
        "--data-dir", tmp.resolve("data").toString()));
    all.addAll(List.of(command));
    ServerProcess p = ServerProcess.start(tmp.resolve("data"), all.toArray(String[]::new));
    processes.add(p);
    return p;
  }
}
