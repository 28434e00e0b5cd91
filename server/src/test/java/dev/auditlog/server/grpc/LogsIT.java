package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ExportResponse;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.Await;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.ServerConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Several logs on one server over real mutual TLS and a real PostgreSQL: each its own seq,
 * chain and checkpoints; appending and reading granted per log; a log the server does not
 * serve NOT_FOUND to an identity granted every log, PERMISSION_DENIED to others; and a log whose head is locked holds up only its own appends.
 *
 * <p>The grants: {@code auth-backend} appends to every log; {@code intruder} is tenant A's
 * producer and auditor (appends to and reads {@code tenant-a} only); {@code auditor} reads
 * the default log ({@code --readers}) and {@code tenant-b}.
 */
class LogsIT {
  private static final String A = "tenant-a";
  private static final String B = "tenant-b";

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls()
      .configure(b -> b.log(A, ServerConfig.DEFAULT_DATABASE)
          .log(B, ServerConfig.DEFAULT_DATABASE)
          .logAppender("*", "auth-backend")
          .logAppender(A, "intruder").logReader(A, "intruder")
          .logReader(B, "auditor"));

  @Test
  void twoLogs_haveTheirOwnSeqAndChain_andEachExportVerifiesAgainstItsCheckpoint()
      throws Exception {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int i = 0; i < 3; i++) {
      append(backend, A);
      append(backend, B);
      append(backend, B);
      append(backend, "");
    }

    assertExport(server.stub("intruder"), A, 3);
    assertExport(server.stub("auditor"), B, 6);
    assertExport(server.stub("auditor"), "default", 3);
  }

  @Test
  void absentLogId_isTheDefaultLog() {
    AppendResponse appended = append(server.stub("auth-backend"), "");

    AuditLogBlockingStub auditor = server.stub("auditor");
    List<Entry> named = auditor.list(ListRequest.newBuilder().setLogId("default").build())
        .getEntriesList();
    assertEquals(1, named.size());
    assertEquals(appended.getEntryHash(), named.get(0).getEntryHash());
    assertEquals(named, auditor.list(ListRequest.getDefaultInstance()).getEntriesList());
    assertEquals(0, auditor.list(list(B)).getEntriesCount());
  }

  @Test
  void tenantAuditor_readsOnlyTheirLog() {
    append(server.stub("auth-backend"), A);
    append(server.stub("auth-backend"), B);
    AuditLogBlockingStub tenant = server.stub("intruder");

    assertEquals(1, tenant.list(list(A)).getEntriesCount());
    assertCode(Status.Code.PERMISSION_DENIED, () -> tenant.list(list(B)));
    assertCode(Status.Code.PERMISSION_DENIED, () -> tenant.list(ListRequest.getDefaultInstance()));
    assertCode(Status.Code.PERMISSION_DENIED,
        () -> tenant.export(ExportRequest.newBuilder().setLogId(B).build()).hasNext());
    assertCode(Status.Code.PERMISSION_DENIED, () -> tenant.getCheckpoint(
        GetCheckpointRequest.newBuilder().setLogId(B).setFresh(true).build()));
    assertCode(Status.Code.PERMISSION_DENIED, () -> tenant.getInclusionProof(
        GetInclusionProofRequest.newBuilder().setLogId(B).setSeq(1).build()));
    assertCode(Status.Code.PERMISSION_DENIED, () -> tenant.getConsistencyProof(
        GetConsistencyProofRequest.newBuilder().setLogId(B).setOldSize(1).build()));
    assertCode(Status.Code.PERMISSION_DENIED, () -> server.stub("auditor").list(list(A)));
  }

  @Test
  void appender_notAllowedOnALog_isPermissionDenied_andNothingIsStored() {
    AuditLogBlockingStub tenant = server.stub("intruder");
    append(tenant, A);

    assertCode(Status.Code.PERMISSION_DENIED, () -> append(tenant, B));
    assertCode(Status.Code.PERMISSION_DENIED, () -> append(tenant, ""));
    StatusRuntimeException e = assertCode(Status.Code.PERMISSION_DENIED,
        () -> tenant.appendBatch(AppendBatchRequest.newBuilder().setLogId(B)
            .addEvents(Events.registrationFailure()).build()));
    assertTrue(e.getStatus().getDescription().contains("on log 'tenant-b'"),
        e.getStatus().getDescription());
    assertEquals(0, server.stub("auditor").list(list(B)).getEntriesCount());
    assertEquals(0, server.stub("auditor").list(ListRequest.getDefaultInstance())
        .getEntriesCount());
  }

  @Test
  void unknownLog_isNotFoundNamingIt_toAnIdentityGrantedEveryLog() {
    StatusRuntimeException append =
        assertCode(Status.Code.NOT_FOUND, () -> append(server.stub("auth-backend"), "tenant-c"));

    assertEquals("log_id: this server serves no log 'tenant-c'",
        append.getStatus().getDescription());
  }

  @Test
  void aTenant_cannotTellAnotherTenantsLog_fromOneThatDoesNotExist() {
    StatusRuntimeException existing =
        assertCode(Status.Code.PERMISSION_DENIED, () -> server.stub("auditor").list(list(A)));
    StatusRuntimeException unknown = assertCode(Status.Code.PERMISSION_DENIED,
        () -> server.stub("auditor").list(list("tenant-c")));

    assertEquals(existing.getStatus().getDescription().replace(A, "tenant-c"),
        unknown.getStatus().getDescription());
  }

  @Test
  void pageToken_ofOneLog_isRefusedForAnother() {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    append(backend, B);
    append(backend, B);
    append(backend, "");
    append(backend, "");
    AuditLogBlockingStub auditor = server.stub("auditor");
    String token = auditor.list(list(B).toBuilder().setPageSize(1).build()).getNextPageToken();

    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> auditor.list(ListRequest.newBuilder().setPageToken(token).build()));
    assertEquals(1, auditor.list(list(B).toBuilder().setPageToken(token).build())
        .getEntriesCount());
  }

  @Test
  void health_hasAServicePerLog() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(server.channel("auditor"));

    for (String service : List.of("", "audit.v1.AuditLog", "audit.v1.AuditLog/default",
        "audit.v1.AuditLog/" + A, "audit.v1.AuditLog/" + B)) {
      assertEquals(ServingStatus.SERVING, health.check(
          HealthCheckRequest.newBuilder().setService(service).build()).getStatus(), service);
    }
  }

  /**
   * Another session takes tenant B's append lock (the advisory lock of {@code append_guard}
   * and {@code lock_head}) and holds it: tenant B's append waits for it, tenant A's commit.
   */
  @Test
  void lockedHeadOfOneLog_doesNotHoldUpAppendsToAnother() throws Exception {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    append(backend, A);
    append(backend, B);
    ListenableFuture<AppendResponse> waiting;
    try (Connection holder = server.db().superuser(); Statement s = holder.createStatement()) {
      holder.setAutoCommit(false);
      s.execute("SELECT pg_advisory_xact_lock(hashtextextended('audit.entry:" + B + "', 0))");
      waiting = AuditLogGrpc.newFutureStub(server.channel("auth-backend"))
          .withDeadlineAfter(60, TimeUnit.SECONDS).append(request(B));
      Await.until("tenant B's append waits for the lock", Duration.ofSeconds(10),
          () -> waitingForAdvisoryLocks(s) > 0);

      List<AppendResponse> others = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        others.add(backend.withDeadlineAfter(5, TimeUnit.SECONDS).append(request(A)));
      }

      assertEquals(21, others.get(19).getSeq());
      assertFalse(waiting.isDone(), "tenant B's append is held by the lock");
      holder.rollback();
    }
    assertEquals(2, waiting.get(30, TimeUnit.SECONDS).getSeq());
  }

  private static long waitingForAdvisoryLocks(Statement s) throws Exception {
    try (ResultSet rs = s.executeQuery(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Exports {@code log} whole and checks its header, chain and signed checkpoint. */
  private static void assertExport(AuditLogBlockingStub reader, String log, int entries)
      throws Exception {
    List<Entry> exported = new ArrayList<>();
    Checkpoint checkpoint = null;
    String header = null;
    Iterator<ExportResponse> it = reader.export(ExportRequest.newBuilder().setLogId(log).build());
    while (it.hasNext()) {
      ExportResponse r = it.next();
      if (r.hasHeader()) {
        header = r.getHeader().getLogId();
      }
      exported.addAll(r.getEntriesList());
      if (r.hasCheckpoint()) {
        checkpoint = r.getCheckpoint();
      }
    }
    assertEquals(log, header);
    assertEquals(entries, exported.size(), log);
    Events.assertChain(exported);
    assertEquals(log, checkpoint.getLogId());
    assertEquals(entries, checkpoint.getSeq());
    assertEquals(exported.get(entries - 1).getChainHash(), checkpoint.getChainHash());
    assertTrue(Ed25519Keys.verify(
        Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY),
        CheckpointPayload.of(checkpoint).bytes(), checkpoint.getSignature().toByteArray()),
        "the checkpoint of " + log + " verifies");
  }

  private static AppendResponse append(AuditLogBlockingStub stub, String log) {
    return stub.append(request(log));
  }

  private static AppendRequest request(String log) {
    return Events.request(Events.registrationFailure()).toBuilder().setLogId(log).build();
  }

  private static ListRequest list(String log) {
    return ListRequest.newBuilder().setLogId(log).build();
  }

  private static StatusRuntimeException assertCode(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }
}
