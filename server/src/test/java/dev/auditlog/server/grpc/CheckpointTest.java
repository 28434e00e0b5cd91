package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ReceiptPayload;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.TestServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GetCheckpoint and the checkpoint table over real mutual TLS and a real PostgreSQL. */
class CheckpointTest {
  private static final GetCheckpointRequest FRESH =
      GetCheckpointRequest.newBuilder().setFresh(true).build();

  private TestDatabase db;
  private TestServer server;
  private AuditLogBlockingStub backend;
  private AuditLogBlockingStub auditor;

  @BeforeEach
  void start() {
    db = TestDatabase.create();
    server = TestServer.start(db);
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
  }

  @AfterEach
  void stop() {
    server.close();
    db.close();
  }

  @Test
  void freshCheckpoint_signsTheHeadWithTheConfiguredKey() throws Exception {
    AppendResponse last = append(3).get(2);

    Checkpoint c = checkpoint(FRESH);

    PublicKey key = Ed25519Keys.readPublicKey(TestServer.SIGNING_PUBLIC_KEY);
    assertEquals("default", c.getLogId());
    assertEquals(3, c.getSeq());
    assertEquals(last.getChainHash(), c.getChainHash());
    assertTrue(c.getRecordedAt().getSeconds() * 1_000_000 + c.getRecordedAt().getNanos() / 1000
        >= last.getRecordedAt().getSeconds() * 1_000_000 + last.getRecordedAt().getNanos() / 1000);
    assertEquals(Ed25519Keys.keyId(key), c.getKeyId());
    assertEquals(Ed25519Keys.keyId(Ed25519Keys.publicKey(c.getPublicKey().toByteArray())),
        c.getKeyId());
    assertTrue(payload(c).verify(key, c.getSignature().toByteArray()));
  }

  @Test
  void appendWithWantReceipt_returnsAReceiptSignedWithTheCheckpointKey() throws Exception {
    AppendResponse r = backend.append(Events.request(Events.registrationFailure()).toBuilder()
        .setWantReceipt(true).build());

    PublicKey key = Ed25519Keys.readPublicKey(TestServer.SIGNING_PUBLIC_KEY);
    assertEquals("default", r.getReceipt().getLogId());
    assertEquals(Ed25519Keys.keyId(key), r.getReceipt().getKeyId());
    assertTrue(new ReceiptPayload("default", r.getSeq(), r.getEntryHash(), r.getChainHash())
        .verify(key, r.getReceipt().getSignature().toByteArray()));
    assertFalse(backend.append(Events.request(Events.registrationFailure())).hasReceipt());
  }

  @Test
  void freshCheckpoint_ofEmptyLog_isSeqZeroAndGenesisChainHash() {
    Checkpoint c = checkpoint(FRESH);

    assertEquals(0, c.getSeq());
    assertEquals(EntryHasher.GENESIS_CHAIN_HASH, c.getChainHash());
  }

  @Test
  void storedCheckpoints_areFoundAsLatestOrAsTheEarliestCoveringASeq() {
    append(2);
    Checkpoint atTwo = checkpoint(FRESH);
    append(3);
    Checkpoint atFive = checkpoint(FRESH);

    assertEquals(atFive, checkpoint(GetCheckpointRequest.getDefaultInstance()));
    assertEquals(atTwo, checkpoint(GetCheckpointRequest.newBuilder().setSeq(1).build()));
    assertEquals(atTwo, checkpoint(GetCheckpointRequest.newBuilder().setSeq(2).build()));
    assertEquals(atFive, checkpoint(GetCheckpointRequest.newBuilder().setSeq(3).build()));
    StatusRuntimeException beyond = assertThrows(StatusRuntimeException.class,
        () -> checkpoint(GetCheckpointRequest.newBuilder().setSeq(6).build()));
    assertEquals(Status.Code.NOT_FOUND, beyond.getStatus().getCode());
  }

  @Test
  void latestCheckpoint_beforeAnyWasMade_isNotFound() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> checkpoint(GetCheckpointRequest.getDefaultInstance()));

    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
  }

  @Test
  void freshWithSeq_isInvalidArgumentNamingSeq() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> checkpoint(FRESH.toBuilder().setSeq(3).build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("seq"), e.getStatus().getDescription());
  }

  @Test
  void getCheckpoint_byAnAppenderOnlyIdentity_isPermissionDenied() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> backend.getCheckpoint(FRESH));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
  }

  @Test
  void freshCheckpoint_afterTheTailWasCut_isRefusedAsDataLoss() throws Exception {
    append(5);
    checkpoint(FRESH);
    db.tamper("DELETE FROM audit.entry WHERE seq >= 4");

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> checkpoint(FRESH));

    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
    assertEquals(5, checkpoint(GetCheckpointRequest.getDefaultInstance()).getSeq());
  }

  @Test
  void checkpointTable_refusesUpdateDeleteAndTruncate_evenToItsOwner() throws Exception {
    checkpoint(FRESH);

    for (String role : List.of(TestDatabase.WRITER, TestDatabase.OWNER)) {
      try (Connection c = db.connectAs(role); Statement s = c.createStatement()) {
        assertThrows(SQLException.class, () -> s.execute("UPDATE audit.checkpoint SET seq = 7"));
        assertThrows(SQLException.class, () -> s.execute("DELETE FROM audit.checkpoint"));
        assertThrows(SQLException.class, () -> s.execute("TRUNCATE audit.checkpoint"));
      }
    }
  }

  private Checkpoint checkpoint(GetCheckpointRequest request) {
    return auditor.getCheckpoint(request).getCheckpoint();
  }

  private List<AppendResponse> append(int n) {
    AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      b.addEvents(Events.registrationFailure());
    }
    return backend.appendBatch(b.build()).getResultsList().stream()
        .map(r -> r.getAppended()).toList();
  }

  static CheckpointPayload payload(Checkpoint c) {
    return new CheckpointPayload(c.getLogId(), c.getSeq(), c.getChainHash(),
        EntryHasher.timestamp(c.getRecordedAt()));
  }
}
