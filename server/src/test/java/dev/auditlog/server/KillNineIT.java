package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.Entry;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The server jar killed with SIGKILL under load and started again on the same port and
 * database. Clients resend an event whose outcome they do not know, with the same
 * event_id, until it is acknowledged; at the end the acknowledged events are exactly the
 * stored ones, each at the seq it was acknowledged with, and the chain verifies.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KillNineIT {
  private static final int CLIENTS = 4;

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Map<String, AuditEvent> tried = new ConcurrentHashMap<>();
  private final Map<String, AppendResponse> acknowledged = new ConcurrentHashMap<>();
  private final AtomicLong resent = new AtomicLong();
  private volatile boolean running = true;

  @AfterEach
  void stopEverything() {
    running = false;
    channels.forEach(ManagedChannel::shutdownNow);
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).kill();
    }
  }

  @Test
  void sigkillUnderLoad_thenRestart_acknowledgedEqualsStoredAndTheChainVerifies()
      throws Exception {
    String url = TestDatabase.createUnmigrated();
    ServerProcess first = start(url, "0");
    int port = first.port();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    for (int i = 0; i < CLIENTS; i++) {
      ManagedChannel channel = channel(port, "auth-backend");
      clients.execute(() -> appendUntilStopped(channel));
    }
    Await.until("appends are acknowledged before the kill", Duration.ofSeconds(60),
        () -> acknowledged.size() >= 500);
    long beforeKill = acknowledged.size();
    first.killNow();
    start(url, String.valueOf(port));
    Await.until("appends are acknowledged after the restart", Duration.ofSeconds(60),
        () -> acknowledged.size() >= beforeKill + 500);
    running = false;
    clients.shutdown();
    assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));

    List<Entry> stored = Pages.all(channel(port, "auditor"), 1000);
    System.out.printf("kill -9: tried=%d acknowledged=%d (before the kill %d) resent=%d"
        + " stored=%d%n", tried.size(), acknowledged.size(), beforeKill, resent.get(),
        stored.size());
    assertTrue(beforeKill >= 500, "acknowledged before the kill: " + beforeKill);
    Events.assertChain(stored);
    assertEquals(tried.size(), acknowledged.size());
    assertEquals(acknowledged.size(), stored.size());
    for (Entry e : stored) {
      AppendResponse ack = acknowledged.get(e.getEventId());
      assertTrue(ack != null, "stored but not acknowledged: seq " + e.getSeq());
      assertEquals(ack.getSeq(), e.getSeq());
      assertEquals(ack.getChainHash(), e.getChainHash());
    }
  }

  /** Appends fresh events; one without an answer is resent as is until acknowledged. */
  private void appendUntilStopped(ManagedChannel channel) {
    AuditEvent pending = null;
    while (running || pending != null) {
      AuditEvent event = pending != null ? pending : Events.registrationFailure();
      tried.putIfAbsent(event.getEventId(), event);
      try {
        acknowledged.put(event.getEventId(), AuditLogGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS).append(Events.request(event)));
        pending = null;
      } catch (StatusRuntimeException e) {
        pending = event;
        resent.incrementAndGet();
        sleep(100); // the client's pause before it resends: part of the load, not a wait
      }
    }
  }

  private ServerProcess start(String url, String port) {
    ServerProcess server = ServerProcess.start(tmp.resolve("unused"), "--port", port,
        "--db-url", url, "--db-user", TestDatabase.WRITER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-user", TestDatabase.OWNER,
        "--db-owner-password", TestDatabase.password(TestDatabase.OWNER));
    processes.add(server);
    server.awaitListening(Duration.ofSeconds(60));
    return server;
  }

  private ManagedChannel channel(int port, String client) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(AuditServerExtension.clientContext(client)).build();
    channels.add(channel);
    return channel;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
