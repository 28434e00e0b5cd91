package dev.auditlog.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.archive.ArchiveRefusedException;
import dev.auditlog.server.archive.Archiver;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.store.PostgresRetention;
import dev.auditlog.server.store.Retention;
import dev.auditlog.server.store.StoreFactory;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a log of 700 entries in partitions of 300 on the real server, its first
 * partition archived as the owner (retention 0 days), then the archive file and the export of
 * what remains checked with {@code audit verify} as a user runs it.
 */
class ArchiveIT {
  private static final String LOG = "default";

  @TempDir
  Path dir;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private HikariDataSource owner;
  private Path archive;

  @BeforeEach
  void fillThreePartitions() throws Exception {
    owner = StoreFactory.ownerPool(server.db().jdbcUrl(), TestDatabase.OWNER,
        TestDatabase.password(TestDatabase.OWNER));
    PostgresRetention.record(owner, "audit", LOG, new Retention(0));
    sql("SELECT audit.entry_partition_add('default', 300)");
    append(290);
    assertEquals(1, server.store().keepPartitions(LOG));
    append(300);
    assertEquals(1, server.store().keepPartitions(LOG));
    append(110);
    // A server's tree integrates within 200 ms: long past entries outside a real retention.
    server.stub("auditor").getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build());
    archive = dir.resolve("archive-1-300.jsonl");
  }

  @AfterEach
  void closeOwner() {
    owner.close();
  }

  @Test
  void theArchiveFile_verifiesOnItsOwn_andThePartitionIsGone() throws Exception {
    Archiver.Result r = archiver().archive(LOG, 300, archive);

    assertEquals(List.of("entry_p1"), r.droppedPartitions());
    Result v = audit("verify", archive.toString(), "--public-key", publicKey());
    assertEquals(0, v.exit, v.out + v.err);
    assertTrue(v.out.startsWith("OK: 300 entries, seq 1..300"), v.out);
    assertEquals(400, server.db().countEntries());
    assertEquals(0, count("SELECT count(*) FROM pg_class WHERE relname = 'entry_p1'"));
  }

  @Test
  void aHandEditedArchiveFile_failsVerification() throws Exception {
    archiver().archive(LOG, 300, archive);
    List<String> lines = new ArrayList<>(Files.readAllLines(archive));
    lines.set(5, lines.get(5).replace("OUTCOME_FAILURE", "OUTCOME_SUCCESS"));
    Files.write(archive, lines);

    Result v = audit("verify", archive.toString(), "--public-key", publicKey());

    assertEquals(1, v.exit, v.out + v.err);
    assertTrue(v.out.startsWith("FAILED at seq 5: FIELD_CHANGED"), v.out);
  }

  @Test
  void theRemainder_exportsFromTheArchivePoint_andVerifiesAfterTheArchivesCheckpoint()
      throws Exception {
    archiver().archive(LOG, 300, archive);
    Path rest = dir.resolve("rest.jsonl");
    Path after = dir.resolve("after.txt");
    List<String> lines = Files.readAllLines(archive);
    Files.writeString(after, lines.get(lines.size() - 1) + "\n");

    Result whole = audit(connection("export", "-o", dir.resolve("all.jsonl").toString()));
    assertNotEquals(0, whole.exit);
    assertTrue(whole.err.contains("FAILED_PRECONDITION") && whole.err.contains("entries 1..300"
        + " of log 'default' were archived"), whole.err);
    Result export = audit(connection("export", "-o", rest.toString(), "--from-seq", "301"));
    assertEquals(0, export.exit, export.err);

    Result v = audit("verify", rest.toString(), "--public-key", publicKey(), "--after",
        after.toString());
    assertEquals(0, v.exit, v.out + v.err);
    assertTrue(v.out.startsWith("OK: 400 entries, seq 301..700"), v.out);
  }

  @Test
  void afterARestart_theTreeStartsFromItsTiles_andTheRemainderStillVerifies() throws Exception {
    archiver().archive(LOG, 300, archive);
    server.stop();
    server.start();
    append(5);
    Path rest = dir.resolve("rest.jsonl");
    Path after = dir.resolve("after.txt");
    List<String> lines = Files.readAllLines(archive);
    Files.writeString(after, lines.get(lines.size() - 1) + "\n");

    Result export = audit(connection("export", "-o", rest.toString(), "--from-seq", "301"));
    assertEquals(0, export.exit, export.err);
    Result v = audit("verify", rest.toString(), "--public-key", publicKey(), "--after",
        after.toString());

    assertEquals(0, v.exit, v.out + v.err);
    assertTrue(v.out.startsWith("OK: 405 entries, seq 301..705"), v.out);
  }

  @Test
  void afterAnArchive_appendsListsAndProofsBehave() throws Exception {
    archiver().archive(LOG, 300, archive);

    append(10);
    assertEquals(410, server.db().countEntries());
    var page = server.stub("auditor").list(ListRequest.newBuilder().build());
    assertEquals(301, page.getEntries(0).getSeq());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auditor").getInclusionProof(
            GetInclusionProofRequest.newBuilder().setSeq(5).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("archived"), e.getMessage());
  }

  @Test
  void anArchiveInsideTheRetention_isRefused_andNothingChanges() throws Exception {
    PostgresRetention.record(owner, "audit", LOG, new Retention(1));

    ArchiveRefusedException e = assertThrows(ArchiveRefusedException.class,
        () -> archiver().archive(LOG, 300, archive));

    assertTrue(e.getMessage().contains("inside the retention of 1 days"), e.getMessage());
    assertFalse(Files.exists(archive));
    assertEquals(700, server.db().countEntries());
  }

  @Test
  void anArchiveRecordInsideTheRetention_isRefusedByPostgres() throws Exception {
    PostgresRetention.record(owner, "audit", LOG, new Retention(1));
    server.stub("auditor").getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build());

    SQLException e = assertThrows(SQLException.class, () -> sql("INSERT INTO audit.archive"
        + " (log_id, from_seq, up_to_seq, chain_hash, checkpoint_id, file_sha256, file_name)"
        + " SELECT 'default', 1, 300, k.chain_hash, k.id, sha256(''), 'x'"
        + " FROM audit.checkpoint k ORDER BY k.id DESC LIMIT 1"));

    assertEquals("AU422", e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("inside the retention of 1 days"), e.getMessage());
  }

  @Test
  void anArchive_whileADestinationHasNotForwardedTheRange_isRefusedUnlessItIsNamedGone()
      throws Exception {
    try (Connection c = server.db().superuser(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO audit.forward_cursor (destination, log_id, seq)"
          + " VALUES ('siem', 'default', 120)");
    }

    ArchiveRefusedException e = assertThrows(ArchiveRefusedException.class,
        () -> archiver().archive(LOG, 300, archive));

    assertTrue(e.getMessage().contains("has not delivered the range to siem (up to seq 120)"),
        e.getMessage());
    assertFalse(Files.exists(archive));
    assertEquals(700, server.db().countEntries());
    assertEquals(300, archiver().archive(LOG, 300, archive, Set.of("siem")).upToSeq());
  }

  @Test
  void anArchiveThatDoesNotEndAPartition_isRefusedNamingTheEnds() {
    ArchiveRefusedException e = assertThrows(ArchiveRefusedException.class,
        () -> archiver().archive(LOG, 250, archive));

    assertTrue(e.getMessage().contains("end at seq [300, 600"), e.getMessage());
  }

  private Archiver archiver() throws Exception {
    return new Archiver(server.store(), owner, "audit",
        SigningKey.read(AuditServerExtension.PRIVATE_SIGNING_KEY),
        server.config().checkpoints().originOf(LOG), List.of());
  }

  private void append(int n) {
    AppendBatchRequest.Builder batch = AppendBatchRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      batch.addEvents(Events.registrationFailure());
    }
    server.stub("auth-backend").appendBatch(batch.build());
  }

  private void sql(String sql) throws SQLException {
    try (Connection c = owner.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private long count(String sql) throws SQLException {
    try (Connection c = server.db().superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String publicKey() {
    return AuditServerExtension.SIGNING_PUBLIC_KEY.toString();
  }

  private static Result audit(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = AuditCommand.commandLine(new PrintWriter(out), new PrintWriter(err))
        .execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private String[] connection(String command, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--target", "localhost:" + server.port(),
        "--cert", TestCerts.pem("auditor").toString(), "--key", TestCerts.key("auditor").toString(),
        "--ca", TestCerts.pem("ca").toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private record Result(int exit, String out, String err) {}
}
