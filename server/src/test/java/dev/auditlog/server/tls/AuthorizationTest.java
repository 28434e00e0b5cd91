package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every method, called in-process by each kind of caller, is answered by the identity in
 * its certificate (the default policy: auth-backend appends, auditor reads): the
 * interceptor and policy as the server runs them, without TLS. Over real mutual TLS, where
 * the handshake already refuses callers without a trusted certificate: {@link MutualTlsIT}.
 */
class AuthorizationTest {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.inProcess();

  /** The calls, each with a request the server would otherwise serve. */
  enum Method {
    APPEND(c -> stub(c).append(Events.request(Events.registrationFailure()))),
    APPEND_BATCH(c -> stub(c).appendBatch(
        AppendBatchRequest.newBuilder().addEvents(Events.registrationFailure()).build())),
    LIST(c -> stub(c).list(ListRequest.getDefaultInstance())),
    GET_CHECKPOINT(c -> stub(c).getCheckpoint(
        GetCheckpointRequest.newBuilder().setFresh(true).build())),
    EXPORT(c -> stub(c).export(ExportRequest.getDefaultInstance()).forEachRemaining(r -> {})),
    HEALTH(c -> HealthGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()));

    final Consumer<Channel> call;

    Method(Consumer<Channel> call) {
      this.call = call;
    }

    private static AuditLogGrpc.AuditLogBlockingStub stub(Channel channel) {
      return AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "{0} by {1}: {2}")
  @CsvSource(nullValues = "none", value = {
      "APPEND,         auth-backend,    OK",
      "APPEND,         auditor,         PERMISSION_DENIED",
      "APPEND,         intruder,        PERMISSION_DENIED",
      "APPEND,         cn-only-auditor, UNAUTHENTICATED",
      "APPEND,         none,            UNAUTHENTICATED",
      "APPEND_BATCH,   auth-backend,    OK",
      "APPEND_BATCH,   auditor,         PERMISSION_DENIED",
      "APPEND_BATCH,   intruder,        PERMISSION_DENIED",
      "APPEND_BATCH,   none,            UNAUTHENTICATED",
      "LIST,           auditor,         OK",
      "LIST,           auth-backend,    PERMISSION_DENIED",
      "LIST,           intruder,        PERMISSION_DENIED",
      "LIST,           cn-only-auditor, UNAUTHENTICATED",
      "LIST,           none,            UNAUTHENTICATED",
      "GET_CHECKPOINT, auditor,         OK",
      "GET_CHECKPOINT, auth-backend,    PERMISSION_DENIED",
      "GET_CHECKPOINT, intruder,        PERMISSION_DENIED",
      "GET_CHECKPOINT, none,            UNAUTHENTICATED",
      "EXPORT,         auditor,         OK",
      "EXPORT,         auth-backend,    PERMISSION_DENIED",
      "EXPORT,         intruder,        PERMISSION_DENIED",
      "EXPORT,         none,            UNAUTHENTICATED",
      "HEALTH,         intruder,        OK",
      "HEALTH,         auth-backend,    OK",
      "HEALTH,         none,            UNAUTHENTICATED",
  })
  void method_calledByIdentity_isAnsweredAsThePolicySays(
      Method method, String identity, Status.Code expected) {
    Channel channel = server.channel(identity);

    assertEquals(expected, outcome(() -> method.call.accept(channel)));
  }

  private static Status.Code outcome(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
