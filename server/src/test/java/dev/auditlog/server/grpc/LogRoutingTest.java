package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.ForwardingAuditStore;
import dev.auditlog.server.ServerConfig;
import dev.auditlog.server.store.AppendMode;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The service routing requests to their logs, in process over the in-memory store: each log
 * its own seq and chain, a log not served NOT_FOUND, grants per log, and a log whose store
 * hangs holding up only its own appends. Over mutual TLS and PostgreSQL: {@link LogsIT}.
 */
class LogRoutingTest {
  private static final String A = "tenant-a";
  private static final String B = "tenant-b";

  /** Holds every append to log B in the store until released. */
  private final CountDownLatch releaseB = new CountDownLatch(1);
  private final CountDownLatch enteredB = new CountDownLatch(1);

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.inProcess()
      .configure(b -> b.log(A, ServerConfig.DEFAULT_DATABASE)
          .log(B, ServerConfig.DEFAULT_DATABASE)
          .logAppender("*", "auth-backend").logReader(A, "intruder").logReader("*", "auditor"))
      .wrapStore(store -> new ForwardingAuditStore(store) {
        @Override
        public AppendTransaction beginAppend(String logId, Collection<String> ids,
            AppendMode mode) throws StoreException {
          if (logId.equals(B)) {
            enteredB.countDown();
            try {
              releaseB.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new StoreException("interrupted", true, e);
            }
          }
          return store.beginAppend(logId, ids, mode);
        }
      });

  @Test
  void eachLog_countsItsOwnSeq_andChainsItsOwnEntries() {
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int i = 1; i <= 3; i++) {
      assertEquals(i, backend.append(request(A)).getSeq());
      assertEquals(i, backend.append(request("")).getSeq());
    }

    List<Entry> a = list(A);
    List<Entry> main = list("");
    Events.assertChain(a);
    Events.assertChain(main);
    assertEquals(3, a.size());
    assertEquals(3, main.size());
    assertFalse(a.get(0).getChainHash().equals(main.get(0).getChainHash()));
  }

  @Test
  void logNotServed_isNotFound_andALogNotGranted_isPermissionDenied() {
    StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auth-backend").append(request("tenant-z")));
    StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
        () -> server.stub("intruder").list(ListRequest.newBuilder().setLogId(B).build()));

    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
    assertEquals(0, server.stub("intruder").list(ListRequest.newBuilder().setLogId(A).build())
        .getEntriesCount());
  }

  @Test
  void logWhoseStoreHangs_holdsUpOnlyItsOwnAppends() throws Exception {
    ListenableFuture<AppendResponse> held =
        AuditLogGrpc.newFutureStub(server.channel("auth-backend")).append(request(B));
    try {
      assertTrue(enteredB.await(10, TimeUnit.SECONDS), "log B's commit reached the store");

      AuditLogBlockingStub backend = server.stub("auth-backend");
      for (int i = 1; i <= 10; i++) {
        assertEquals(i, backend.withDeadlineAfter(5, TimeUnit.SECONDS).append(request(A))
            .getSeq());
      }
      assertFalse(held.isDone(), "log B's append waits for its store");
    } finally {
      releaseB.countDown();
    }
    assertEquals(1, held.get(10, TimeUnit.SECONDS).getSeq());
  }

  private List<Entry> list(String log) {
    return server.stub("auditor").list(ListRequest.newBuilder().setLogId(log).build())
        .getEntriesList();
  }

  private static AppendRequest request(String log) {
    return Events.request(Events.registrationFailure()).toBuilder().setLogId(log).build();
  }
}
