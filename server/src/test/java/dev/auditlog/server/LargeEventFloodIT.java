package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Entry;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server jar with a 256 MiB heap, flooded by many callers at once with events of the
 * largest size the limits allow (two maps of 64 members with 128-character keys and
 * 4096-character values, about 540 KB each): the queue's byte budget refuses what does not
 * fit (RESOURCE_EXHAUSTED), callers retry, the server stays up and serving, and every
 * acknowledged event is stored, chained, exactly once.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LargeEventFloodIT {
  private static final int CONNECTIONS = 4;
  private static final int CALLERS = 160;
  private static final int EVENTS = 400;

  @TempDir Path tmp;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Map<String, AppendResponse> acknowledged = new ConcurrentHashMap<>();
  private final AtomicLong exhausted = new AtomicLong();
  private ServerProcess server;

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.kill();
    }
  }

  @Test
  void floodOfMaximumSizeEvents_under256MiB_leavesTheServerUpAndEveryAcknowledgedEventStored()
      throws Exception {
    String url = TestDatabase.createUnmigrated();
    server = ServerProcess.start(tmp.resolve("data"), List.of("-Xmx256m"), "--port", "0",
        "--db-url", url, "--db-user", TestDatabase.WRITER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-user", TestDatabase.OWNER,
        "--db-owner-password", TestDatabase.password(TestDatabase.OWNER));
    server.awaitListening(Duration.ofSeconds(60));
    List<ManagedChannel> backends = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      backends.add(channel("auth-backend"));
    }

    ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    for (int i = 0; i < CALLERS; i++) {
      ManagedChannel channel = backends.get(i % CONNECTIONS);
      callers.execute(() -> appendUntilEnough(channel));
    }
    callers.shutdown();
    assertTrue(callers.awaitTermination(4, TimeUnit.MINUTES), "the callers finished");

    System.out.printf("flood: acknowledged=%d refused as RESOURCE_EXHAUSTED=%d%n",
        acknowledged.size(), exhausted.get());
    assertTrue(server.alive(), "the server is up:\n" + server.output());
    assertFalse(server.output().contains("OutOfMemoryError"), server.output());
    assertTrue(exhausted.get() > 0, "the flood reached the queue's byte budget");
    assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel("auditor"))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
    assertEquals(acknowledged.keySet(), storedEventIds(url));
    List<Entry> entries = Pages.all(channel("auditor"), 4);
    Events.assertChain(entries);
    for (Entry e : entries) {
      assertEquals(acknowledged.get(e.getEventId()).getSeq(), e.getSeq());
    }
  }

  /** Appends largest events until enough are acknowledged; waits and resends when refused. */
  private void appendUntilEnough(ManagedChannel channel) {
    var stub = AuditLogGrpc.newBlockingStub(channel);
    AuditEvent event = largest();
    while (acknowledged.size() < EVENTS) {
      try {
        acknowledged.put(event.getEventId(), stub.withDeadlineAfter(60, TimeUnit.SECONDS)
            .append(Events.request(event)));
        event = largest();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
          throw e;
        }
        exhausted.incrementAndGet();
        pause();
      }
    }
  }

  /** An event at every limit of the maps (README, Limits): about 540 KB. */
  private static AuditEvent largest() {
    AuditEvent.Builder b = Events.registrationFailure().toBuilder().clearRiskSignals()
        .clearAttributes();
    String value = "v".repeat(4096);
    for (int i = 0; i < 64; i++) {
      String key = String.format("%03d", i) + "k".repeat(125);
      b.putRiskSignals(key, value);
      b.putAttributes(key, value);
    }
    return b.build();
  }

  private Set<String> storedEventIds(String url) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection c = TestDatabase.connect(url, "postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_id FROM audit.entry")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  private ManagedChannel channel(String client) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .sslContext(AuditServerExtension.clientContext(client)).build();
    channels.add(channel);
    return channel;
  }

  /** The RetryInfo says a second; a tenth keeps the queue full, which is the point here. */
  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
