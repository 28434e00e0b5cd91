package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.server.metrics.Scrape;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the server's metrics say about the calls it served, in process: appends by status
 * code, refusals by reason, the group commits, the queue, checkpoints, health, and the
 * per-method gRPC metrics.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerMetricsTest {
  private static final String APPEND = "audit.v1.AuditLog/Append";

  private HeldStore held;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.inProcess()
      .wrapStore(s -> held = new HeldStore(s))
      .configure(b -> b.queueCapacity(2));

  @Test
  void appendsAndBatches_areCountedPerEvent_byStatusCode_andRefusalsByReason() {
    held.release();
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int i = 0; i < 3; i++) {
      backend.append(Events.request(Events.registrationFailure()));
    }
    backend.appendBatch(AppendBatchRequest.newBuilder()
        .addEvents(Events.registrationFailure()).addEvents(Events.registrationFailure())
        .addEvents(Events.withAction("not an action")).build());
    assertCode(Status.Code.INVALID_ARGUMENT,
        () -> backend.append(Events.request(Events.withAction(""))));
    assertCode(Status.Code.PERMISSION_DENIED,
        () -> server.stub("intruder").append(Events.request(Events.registrationFailure())));

    Scrape s = Scrape.of(server.metrics());
    assertEquals(5, s.value("audit_appends_total", "log", "default", "code", "OK"));
    assertEquals(2, s.value("audit_appends_total", "code", "INVALID_ARGUMENT"));
    assertEquals(2, s.value("audit_refusals_total", "reason", "validation"));
    assertEquals(1, s.value("audit_refusals_total", "reason", "permission_denied"));
    assertEquals(5, s.value("audit_append_group_size_sum", "log", "default"));
    assertEquals(s.value("audit_append_group_size_count"),
        s.value("audit_commit_duration_seconds_count"));
    assertEquals(5, s.value("grpc_server_call_started_total", "grpc_method", APPEND));
    assertEquals(3, s.value("grpc_server_call_duration_seconds_count", "grpc_method", APPEND,
        "grpc_status", "OK"));
    assertEquals(1, s.value("grpc_server_call_duration_seconds_count", "grpc_method", APPEND,
        "grpc_status", "PERMISSION_DENIED"));
    assertEquals(1, s.value("audit_serving"));
  }

  @Test
  void fullQueue_isARefusal_andTheQueueGaugesShowWhatWaits() throws Exception {
    AuditLogGrpc.AuditLogFutureStub async =
        AuditLogGrpc.newFutureStub(server.channel("auth-backend"));
    List<Future<AppendResponse>> queued = new ArrayList<>();
    queued.add(async.append(Events.request(Events.registrationFailure())));
    held.awaitHeld();
    queued.add(async.append(Events.request(Events.registrationFailure())));
    queued.add(async.append(Events.request(Events.registrationFailure())));

    assertCode(Status.Code.RESOURCE_EXHAUSTED, () -> server.stub("auth-backend")
        .append(Events.request(Events.registrationFailure())));
    Scrape full = Scrape.of(server.metrics());
    held.release();
    for (Future<AppendResponse> f : queued) {
      f.get(20, TimeUnit.SECONDS);
    }

    assertEquals(1, full.value("audit_refusals_total", "reason", "queue_full"));
    assertEquals(1, full.value("audit_appends_total", "code", "RESOURCE_EXHAUSTED"));
    assertEquals(2, full.value("audit_queue_appends", "log", "default"));
    assertEquals(2, full.value("audit_queue_capacity_appends", "log", "default"));
    assertEquals(0, Scrape.of(server.metrics()).value("audit_queue_appends"));
  }

  @Test
  void checkpointAge_appearsWithTheFirstCheckpoint() {
    held.release();
    server.stub("auditor").getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true)
        .build());

    double age = Scrape.of(server.metrics()).value("audit_checkpoint_age_seconds", "log",
        "default");
    assertEquals(0, age, 5);
  }

  private static void assertCode(Status.Code expected, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(expected, e.getStatus().getCode(), e.getStatus().toString());
  }
}
