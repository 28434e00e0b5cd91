package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ReceiptPayload;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GetCheckpoint and the checkpoint table over real mutual TLS and a real PostgreSQL. */
class CheckpointIT {
  private static final GetCheckpointRequest FRESH =
      GetCheckpointRequest.newBuilder().setFresh(true).build();

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private AuditLogBlockingStub backend;
  private AuditLogBlockingStub auditor;

  @BeforeEach
  void stubs() {
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
  }

  @Test
  void freshCheckpoint_signsTheHeadWithTheConfiguredKey() throws Exception {
    AppendResponse last = append(3).get(2);

    Checkpoint c = checkpoint(FRESH);

    PublicKey key = Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY);
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

    PublicKey key = Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY);
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
    server.db().tamper("DELETE FROM audit.entry WHERE seq >= 4");

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> checkpoint(FRESH));

    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
    assertEquals(5, checkpoint(GetCheckpointRequest.getDefaultInstance()).getSeq());
  }

  @Test
  void checkpointTable_refusesUpdateDeleteAndTruncate_evenToItsOwner() throws Exception {
    checkpoint(FRESH);

    for (String role : List.of(TestDatabase.WRITER, TestDatabase.OWNER)) {
      try (Connection c = server.db().connectAs(role); Statement s = c.createStatement()) {
        assertThrows(SQLException.class, () -> s.execute("UPDATE audit.checkpoint SET seq = 7"));
        assertThrows(SQLException.class, () -> s.execute("DELETE FROM audit.checkpoint"));
        assertThrows(SQLException.class, () -> s.execute("TRUNCATE audit.checkpoint"));
      }
    }
  }

  @Test
  void freshCheckpoint_whileTheHeadHasNotMoved_isTheStoredOne() throws Exception {
    append(2);
    Checkpoint first = checkpoint(FRESH);

    Checkpoint again = checkpoint(FRESH);

    assertEquals(first, again);
    assertEquals(1, rows("SELECT count(*) FROM audit.checkpoint"));
    append(1);
    assertEquals(3, checkpoint(FRESH).getSeq());
  }

  @Test
  void freshCheckpoints_beyondTheBurstOfOneIdentity_areResourceExhaustedWithRetryInfo()
      throws Exception {
    for (int i = 0; i < AuditLogService.FRESH_BURST; i++) {
      checkpoint(FRESH);
    }

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> checkpoint(FRESH));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("fresh:"),
        e.getStatus().getDescription());
    assertEquals(1, StatusProto.fromThrowable(e).getDetails(0).unpack(RetryInfo.class)
        .getRetryDelay().getSeconds());
    assertEquals(0, checkpoint(GetCheckpointRequest.getDefaultInstance()).getSeq());
  }

  @Test
  void forgedCheckpointsInsertedAsTheWriter_areIgnored_andFreshCheckpointsAndExportsWork()
      throws Exception {
    append(3);
    Checkpoint genuine = checkpoint(FRESH);
    String later = "now() + interval '1 second'";
    // Our key id and a real head, but a signature that is not ours; then another key's.
    insertAsWriter(3, genuine.getChainHash(), genuine.getKeyId(), later);
    insertAsWriter(3, genuine.getChainHash(), "ab".repeat(32), later);

    assertEquals(genuine, checkpoint(GetCheckpointRequest.getDefaultInstance()));
    assertEquals(genuine, checkpoint(GetCheckpointRequest.newBuilder().setSeq(3).build()));
    append(2);
    Checkpoint fresh = checkpoint(FRESH);
    assertEquals(5, fresh.getSeq());
    PublicKey key = Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY);
    assertTrue(payload(fresh).verify(key, fresh.getSignature().toByteArray()));
    long exported = 0;
    Checkpoint exportedAt = null;
    var stream = auditor.export(ExportRequest.getDefaultInstance());
    while (stream.hasNext()) {
      var message = stream.next();
      exported += message.getEntriesCount();
      exportedAt = message.hasCheckpoint() ? message.getCheckpoint() : exportedAt;
    }
    assertEquals(5, exported);
    assertEquals(fresh, exportedAt);
  }

  private void insertAsWriter(long seq, String chainHash, String keyId, String recordedAt)
      throws SQLException {
    try (Connection c = server.db().connectAs(TestDatabase.WRITER);
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO audit.checkpoint (log_id, seq, chain_hash, recorded_at, key_id,"
          + " public_key, signature) VALUES ('default', " + seq + ", decode('" + chainHash
          + "', 'hex'), " + recordedAt + ", '" + keyId + "', '\\x00'::bytea, decode('"
          + "11".repeat(64) + "', 'hex'))");
    }
  }

  private long rows(String sql) throws SQLException {
    try (Connection c = server.db().superuser(); Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
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
    return CheckpointPayload.of(c);
  }
}
