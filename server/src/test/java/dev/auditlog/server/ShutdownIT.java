package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A graceful stop (what the shutdown hook runs on SIGTERM) while appends are in flight:
 * every append the server accepted is committed and answered before it exits; calls that
 * arrive after the stop began are refused with UNAVAILABLE, so clients resend elsewhere.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownIT {
  private HeldStore store;

  @RegisterExtension
  final AuditServerExtension server =
      AuditServerExtension.mutualTls().wrapStore(s -> store = new HeldStore(s));

  @AfterEach
  void release() {
    store.release();
  }

  @Test
  void closeWithAppendsInFlight_commitsAndAnswersEachAccepted_refusesNewOnes()
      throws Exception {
    ManagedChannel channel = server.channel("auth-backend");
    AuditLogGrpc.AuditLogFutureStub async = AuditLogGrpc.newFutureStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
    List<Future<AppendResponse>> inFlight = new ArrayList<>();
    inFlight.add(async.append(Events.request(Events.registrationFailure())));
    store.awaitHeld();
    for (int i = 0; i < 49; i++) {
      inFlight.add(async.append(Events.request(Events.registrationFailure())));
    }
    // The server handles the calls of one connection in the order they arrive, on its
    // network thread: once a later call is answered, the appends before it are queued.
    assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus());

    CompletableFuture<Void> closing = CompletableFuture.runAsync(server.server()::close);
    // The stop closes the port, then sends GOAWAY on each connection: from then on the
    // channel starts new calls on a new connection, which the closed port refuses.
    Await.until("the server told the connection to go away", Duration.ofSeconds(20),
        () -> channel.getState(false) != ConnectivityState.READY);
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .append(Events.request(Events.registrationFailure())));
    store.release();
    closing.get(30, TimeUnit.SECONDS);

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    long highest = 0;
    for (Future<AppendResponse> f : inFlight) {
      highest = Math.max(highest, f.get(1, TimeUnit.SECONDS).getSeq());
    }
    assertEquals(50, highest);
    assertEquals(50, server.db().countEntries());
  }
}
