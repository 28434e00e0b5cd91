package dev.auditlog.server.witness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.CosignatureVerifier;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.Events;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Witnesses (c2sp.org/tlog-witness) over real HTTP, with the server over real mutual TLS and
 * PostgreSQL: each new checkpoint is cosigned and served with the cosignatures, and a log
 * rewritten by a database superuser cannot get a new cosignature from a witness that saw the
 * old one.
 */
class WitnessIT {
  private static final String ORIGIN = "localhost/audit/default";
  private static final GetCheckpointRequest FRESH =
      GetCheckpointRequest.newBuilder().setFresh(true).build();

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls().notStarted();

  @TempDir
  Path dir;

  private TestWitness one;
  private TestWitness two;
  private Path config;

  @BeforeEach
  void witnesses() throws Exception {
    String log = new NoteVerifier(ORIGIN,
        Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY)).verifierKey();
    one = new TestWitness("witness.test/one", List.of(log));
    two = new TestWitness("witness.test/two", List.of(log));
    config = dir.resolve("witnesses.json");
    Files.writeString(config, "{\"timeout_ms\": 5000, \"witnesses\": ["
        + "{\"url\": \"" + one.url() + "\", \"key\": \"" + one.verifierKey() + "\"},"
        + "{\"url\": \"" + two.url() + "\", \"key\": \"" + two.verifierKey() + "\"}]}");
    server.start(b -> b.witnessConfig(config));
  }

  @AfterEach
  void stopWitnesses() {
    one.close();
    two.close();
  }

  private void append(int n) {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int done = 0; done < n; done += 100) {
      AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
      for (int i = 0; i < Math.min(100, n - done); i++) {
        b.addEvents(Events.registrationFailure());
      }
      backend.appendBatch(b.build());
    }
  }

  private Checkpoint latest() {
    return server.stub("auditor").getCheckpoint(GetCheckpointRequest.getDefaultInstance())
        .getCheckpoint();
  }

  private static boolean cosignedBy(Checkpoint c, TestWitness w) {
    return CosignatureVerifier.parse(w.verifierKey()).verifies(Note.parse(c.getNote()));
  }

  @Test
  void everyNewCheckpoint_isCosigned_andServedWithTheCosignatures() throws Exception {
    append(100);
    server.stub("auditor").getCheckpoint(FRESH);
    Await.until("both witnesses cosigned tree size 100", Duration.ofSeconds(20),
        () -> cosignedBy(latest(), one) && cosignedBy(latest(), two));

    append(200);
    Checkpoint bigger = server.stub("auditor").getCheckpoint(FRESH).getCheckpoint();
    assertEquals(300, bigger.getTreeSize());
    Await.until("both witnesses cosigned tree size 300", Duration.ofSeconds(20),
        () -> cosignedBy(latest(), one) && cosignedBy(latest(), two));

    assertEquals(300, one.cosignedSize(ORIGIN));
    assertEquals(List.of(200, 200), one.answers(), "from 100 to 300 with a consistency proof");
    Note note = Note.parse(latest().getNote());
    assertEquals(3, note.signatures().size(), "the log's signature and two cosignatures");
    assertTrue(new NoteVerifier(ORIGIN, Ed25519Keys.readPublicKey(
        AuditServerExtension.SIGNING_PUBLIC_KEY)).verifies(note));
  }

  @Test
  void aLogRewrittenByTheSuperuser_getsNoNewCosignature() throws Exception {
    append(100);
    server.stub("auditor").getCheckpoint(FRESH);
    Await.until("tree size 100 cosigned", Duration.ofSeconds(20),
        () -> one.cosignedSize(ORIGIN) == 100);
    server.stop();
    try (Connection c = server.db().superuser(); Statement s = c.createStatement()) {
      for (String table : List.of("entry", "checkpoint", "merkle_tile", "witness_cosignature",
          "forward_cursor")) {
        s.execute("ALTER TABLE audit." + table + " DISABLE TRIGGER ALL");
        s.execute("DELETE FROM audit." + table);
        s.execute("ALTER TABLE audit." + table + " ENABLE TRIGGER ALL");
      }
    }
    server.start(b -> b.witnessConfig(config));

    append(150);
    Checkpoint rewritten = server.stub("auditor").getCheckpoint(FRESH).getCheckpoint();
    Await.until("the witness answered the rewritten log twice", Duration.ofSeconds(20),
        () -> one.answers().size() >= 3);

    assertEquals(List.of(200, 409, 422), one.answers(),
        "asked from 0, told 100, then the proof from 100 to 150 fails");
    assertEquals(100, one.cosignedSize(ORIGIN), "the witness keeps the tree it cosigned");
    assertEquals(150, rewritten.getTreeSize());
    assertFalse(cosignedBy(latest(), one));
  }
}
