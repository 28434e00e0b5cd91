package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.ForwardingAppendTransaction;
import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The AuditLog service in-process over the in-memory store: appends, idempotence, paging,
 * authorization by the caller's certificate, checkpoints, and what a dead append pipeline
 * answers. The same behaviour over real mutual TLS and PostgreSQL is in the *IT tests.
 */
class AuditLogServiceTest {
  private final AtomicBoolean dieOnCommit = new AtomicBoolean();

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.inProcess()
      .wrapStore(store -> new ForwardingAuditStore(store) {
        @Override
        public AppendTransaction beginAppend(String logId, Collection<String> ids,
            AppendMode mode) throws StoreException {
          return new ForwardingAppendTransaction(store.beginAppend(logId, ids, mode)) {
            @Override
            public void commit() throws StoreException {
              if (dieOnCommit.get()) {
                throw new OutOfMemoryError("Java heap space (simulated)");
              }
              tx.commit();
            }
          };
        }
      });

  @Test
  void appends_areChainedInOrder_andListedBack() {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int i = 0; i < 5; i++) {
      assertEquals(i + 1, backend.append(Events.request(Events.registrationFailure())).getSeq());
    }

    List<Entry> entries = listAll(2);

    assertEquals(5, entries.size());
    Events.assertChain(entries);
    assertTrue(entries.stream().allMatch(e -> e.getProducer().equals("auth-backend")));
  }

  @Test
  void sameEventAgain_isTheStoredEntry_otherContent_isAlreadyExists() {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    AuditEvent event = Events.registrationFailure();
    AppendResponse first = backend.append(Events.request(event));

    assertEquals(first, backend.append(Events.request(event)));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> backend.append(Events.request(event.toBuilder().setUserId("other").build())));
    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("event.event_id"));
  }

  @Test
  void batch_withOneBadEvent_storesTheOthers() {
    AppendBatchRequest batch = AppendBatchRequest.newBuilder()
        .addEvents(Events.registrationFailure())
        .addEvents(Events.registrationFailure().toBuilder().setAction(""))
        .addEvents(Events.registrationFailure()).build();

    var results = server.stub("auth-backend").appendBatch(batch).getResultsList();

    assertEquals(1, results.get(0).getAppended().getSeq());
    assertEquals(Status.Code.INVALID_ARGUMENT.value(), results.get(1).getError().getCode());
    assertTrue(results.get(1).getError().getMessage().startsWith("events[1].action"));
    assertEquals(2, results.get(2).getAppended().getSeq());
  }

  @Test
  void callers_areAuthorizedByTheirCertificatesIdentity() {
    assertDenied(() -> server.stub("auditor").append(Events.request(Events.registrationFailure())));
    assertDenied(() -> server.stub("auth-backend").list(ListRequest.getDefaultInstance()));
    assertDenied(() -> server.stub("intruder").list(ListRequest.getDefaultInstance()));
  }

  @Test
  void freshCheckpoint_isSignedWithTheTestKey_andReusedWhileTheHeadStays() throws Exception {
    server.stub("auth-backend").append(Events.request(Events.registrationFailure()));
    GetCheckpointRequest fresh = GetCheckpointRequest.newBuilder().setFresh(true).build();

    Checkpoint c = server.stub("auditor").getCheckpoint(fresh).getCheckpoint();

    assertEquals(1, c.getSeq());
    assertTrue(CheckpointIT.payload(c).verify(
        Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY),
        c.getSignature().toByteArray()));
    assertEquals(c, server.stub("auditor").getCheckpoint(fresh).getCheckpoint());
  }

  @Test
  void pipelineThatDies_answersUnavailable_turnsHealthNotServing_andCallsTheFatalHandler()
      throws Exception {
    dieOnCommit.set(true);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auth-backend").append(Events.request(Events.registrationFailure())));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    Throwable fatal = server.fatal().get(10, TimeUnit.SECONDS);
    assertTrue(fatal instanceof OutOfMemoryError, String.valueOf(fatal));
    assertEquals(ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(
        server.channel("auditor")).check(HealthCheckRequest.getDefaultInstance()).getStatus());
    StatusRuntimeException again = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auth-backend").append(Events.request(Events.registrationFailure())));
    assertEquals(Status.Code.UNAVAILABLE, again.getStatus().getCode());
    assertSame(fatal, server.fatal().get());
  }

  private List<Entry> listAll(int pageSize) {
    List<Entry> all = new ArrayList<>();
    String token = "";
    do {
      ListResponse page = server.stub("auditor").list(ListRequest.newBuilder()
          .setPageSize(pageSize).setPageToken(token).build());
      all.addAll(page.getEntriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all;
  }

  private static void assertDenied(Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
  }
}
