package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.RetryInfo;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.server.ServerConfig.TransportLimits;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Limits under load: a full append queue, calls per connection, connection age, handshake
 * time and metadata size. Each refuses what is over the limit and keeps serving the rest.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverloadIT {
  private static final TransportLimits DEFAULTS = TransportLimits.DEFAULTS;

  private HeldStore store;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls()
      .wrapStore(s -> store = new HeldStore(s)).notStarted();

  @AfterEach
  void release() {
    store.release();
  }

  @Test
  void fullQueue_isResourceExhaustedWithRetryInfo_andQueuedAppendsStillCommit() throws Exception {
    start(2, DEFAULTS);
    ManagedChannel channel = server.channel("auth-backend");
    AuditLogGrpc.AuditLogFutureStub async = AuditLogGrpc.newFutureStub(channel);
    List<Future<AppendResponse>> queued = new ArrayList<>();
    queued.add(async.append(Events.request(Events.registrationFailure())));
    store.awaitHeld();
    queued.add(async.append(Events.request(Events.registrationFailure())));
    queued.add(async.append(Events.request(Events.registrationFailure())));

    // On the same connection, so after the two: the server handles the calls of one
    // connection in the order they arrive, on its network thread.
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .append(Events.request(Events.registrationFailure())));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    RetryInfo retry = StatusProto.fromThrowable(e).getDetails(0).unpack(RetryInfo.class);
    assertEquals(1, retry.getRetryDelay().getSeconds());
    store.release();
    for (Future<AppendResponse> f : queued) {
      f.get(20, TimeUnit.SECONDS);
    }
    assertEquals(3, server.db().countEntries());
  }

  @Test
  void callsBeyondTheLimitOfOneConnection_wait_whileOtherConnectionsAreServed()
      throws Exception {
    start(100, new TransportLimits(DEFAULTS.maxMetadataBytes(), 2, Duration.ZERO,
        Duration.ZERO, DEFAULTS.handshakeTimeout(), DEFAULTS.exportStallTimeout()));
    ManagedChannel busy = server.channel("auth-backend");
    AuditLogGrpc.AuditLogFutureStub async = AuditLogGrpc.newFutureStub(busy);
    async.append(Events.request(Events.registrationFailure()));
    store.awaitHeld();
    async.append(Events.request(Events.registrationFailure()));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> health(busy, Duration.ofSeconds(1)));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    health(server.channel("auth-backend"), Duration.ofSeconds(5));
  }

  @Test
  void connectionOlderThanMaxAge_isReplacedByANewOne_andCallsKeepSucceeding() throws Exception {
    start(100, new TransportLimits(DEFAULTS.maxMetadataBytes(), 100, Duration.ofSeconds(1),
        Duration.ofSeconds(1), DEFAULTS.handshakeTimeout(), DEFAULTS.exportStallTimeout()));
    store.release();
    try (TcpRelay relay = new TcpRelay(server.port())) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", relay.port())
          .sslContext(AuditServerExtension.clientContext("auth-backend")).build();
      try {
        health(channel, Duration.ofSeconds(5));
        Await.until("the server closed the connection for its age", Duration.ofSeconds(20),
            () -> channel.getState(false) != ConnectivityState.READY);
        health(channel, Duration.ofSeconds(5));
        assertEquals(2, relay.connections());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void connectionThatNeverHandshakes_isClosedAfterTheHandshakeTimeout() throws Exception {
    start(100, new TransportLimits(DEFAULTS.maxMetadataBytes(), 100, Duration.ZERO,
        Duration.ZERO, Duration.ofMillis(500), DEFAULTS.exportStallTimeout()));
    try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      silent.setSoTimeout(10_000);
      long start = System.nanoTime();
      InputStream in = silent.getInputStream();
      int read;
      try {
        read = in.read();
      } catch (java.net.SocketException reset) {
        read = -1;
      }
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(-1, read);
      assertTrue(tookMillis < 5000, "closed after " + tookMillis + " ms");
    }
  }

  @Test
  void oversizedMetadata_isRefused_andTheServerKeepsServing() throws Exception {
    start(100, new TransportLimits(2048, 100, Duration.ZERO, Duration.ZERO,
        DEFAULTS.handshakeTimeout(), DEFAULTS.exportStallTimeout()));
    store.release();
    Metadata big = new Metadata();
    big.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(4000));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auth-backend")
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(big))
            .append(Events.request(Events.registrationFailure())));

    assertNotEquals(Status.Code.OK, e.getStatus().getCode());
    assertEquals(1, server.stub("auth-backend")
        .append(Events.request(Events.registrationFailure())).getSeq());
  }

  private void start(int queueCapacity, TransportLimits limits) {
    server.start(b -> b.queueCapacity(queueCapacity).transport(limits));
  }

  private static void health(ManagedChannel channel, Duration deadline) {
    HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
  }
}
