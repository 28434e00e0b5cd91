package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A graceful stop (what the shutdown hook runs on SIGTERM) while appends are in flight:
 * every append the server accepted is committed and answered before it exits; calls that
 * arrive after the stop began are refused with UNAVAILABLE, so clients resend elsewhere.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownTest {
  private TestDatabase db;
  private HeldStore store;
  private AuditServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    db = TestDatabase.create();
    store = new HeldStore(db.store());
    server = AuditServer.start(TestServer.config(0), store);
    channel = NettyChannelBuilder.forAddress("localhost", server.port())
        .sslContext(TestServer.clientContext("auth-backend")).build();
  }

  @AfterEach
  void stop() {
    store.release();
    channel.shutdownNow();
    server.close();
    db.close();
  }

  @Test
  void closeWithAppendsInFlight_commitsAndAnswersEachAccepted_refusesNewOnes()
      throws Exception {
    AuditLogGrpc.AuditLogFutureStub async = AuditLogGrpc.newFutureStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
    List<Future<AppendResponse>> inFlight = new ArrayList<>();
    inFlight.add(async.append(Events.request(Events.registrationFailure())));
    store.awaitHeld();
    for (int i = 0; i < 49; i++) {
      inFlight.add(async.append(Events.request(Events.registrationFailure())));
    }
    Thread.sleep(500);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    Thread.sleep(500);
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
    assertEquals(50, db.countEntries());
  }
}
