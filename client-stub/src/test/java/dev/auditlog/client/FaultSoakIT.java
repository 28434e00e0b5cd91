package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.Events;
import dev.auditlog.server.RestartableDatabase;
import dev.auditlog.server.TestCerts;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Concurrent clients append for a bounded time while the database connections are reset,
 * slowed and hung, PostgreSQL is stopped, crashed and restarted, and the server itself is
 * restarted. At the end the client-side ledger must equal the table: every acknowledged
 * event stored once at the seq it was acknowledged with, nothing stored that was not
 * acknowledged, seq gap-free, and the chain valid.
 */
@Timeout(value = 110, unit = TimeUnit.SECONDS)
class FaultSoakIT {
  private static final int CLIENTS = 8;

  private final SoakLedger ledger = new SoakLedger();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private volatile boolean running = true;
  private RestartableDatabase db;
  private int port;

  @RegisterExtension
  final AuditServerExtension server =
      AuditServerExtension.mutualTls(() -> (db = RestartableDatabase.start()).store());

  @Test
  void appendsUnderFaults_acknowledgedEqualsStored_seqGapFree_chainValid() throws Exception {
    port = server.port();
    ManagedChannel channel = channel();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int i = 0; i < CLIENTS; i++) {
        clients.execute(() -> appendUntilStopped(AuditClient.over(channel)));
      }
      injectFaults();
      running = false;
      clients.shutdown();
      assertTrue(clients.awaitTermination(40, TimeUnit.SECONDS), "clients stopped");
      resolveUnacknowledged(AuditClient.over(channel));
      verify();
    } finally {
      running = false;
      clients.shutdownNow();
      channel.shutdownNow();
    }
  }

  /** The schedule of faults: how long each lasts, while the clients append, is the soak. */
  private void injectFaults() throws Exception {
    pause(3);
    for (int i = 0; i < 3; i++) {
      db.relay().reset();
      pause(1.5);
    }
    db.relay().delay(30);
    pause(3);
    db.relay().delay(0);
    db.relay().pause();
    pause(4);
    db.relay().resume();
    pause(3);
    db.stop();
    pause(3);
    db.restart();
    pause(4);
    db.crash();
    pause(2);
    db.restart();
    pause(4);
    restartServer();
    pause(3);
    db.relay().reset();
    pause(4);
  }

  /** Stops the server and starts it again on its port, once the port may be bound again. */
  private void restartServer() throws Exception {
    server.stop();
    Await.until("the server starts again on port " + port, Duration.ofSeconds(10), () -> {
      try {
        server.start(b -> b.port(port));
        return true;
      } catch (UncheckedIOException portNotFreeYet) {
        return false;
      }
    });
  }

  /** One client: a fresh event at a time; one whose outcome is unknown is resent as is. */
  private void appendUntilStopped(AuditClient client) {
    AuditEvent pending = null;
    while (running) {
      AuditEvent event = pending != null ? pending : Events.registrationFailure();
      if (pending == null) {
        ledger.tried(event);
      } else {
        ledger.resent();
      }
      try {
        ledger.acknowledged(event, client.append(event));
        pending = null;
      } catch (StatusRuntimeException e) {
        pending = event;
        sleepQuietly(200); // the client's pause before it resends: part of the load
      }
    }
  }

  /** After the faults, as a client would: resend every event with an unknown outcome. */
  private void resolveUnacknowledged(AuditClient client) {
    for (AuditEvent event : ledger.unacknowledged()) {
      ledger.resent();
      ledger.acknowledged(event, client.withDeadline(Duration.ofSeconds(30)).append(event));
    }
  }

  private void verify() throws Exception {
    List<Entry> stored = db.entries("default");
    System.out.printf("soak: clients=%d tried=%d acknowledged=%d attempts=%d"
            + " retried-by-channel=%d resent-by-client=%d stored=%d longest-unavailable=%d ms%n",
        CLIENTS, ledger.triedCount(), ledger.acknowledgedCount(), attempts.get(), retries.get(),
        ledger.resentCount(), stored.size(), ledger.longestUnavailableMillis());
    Events.assertChain(stored);
    ledger.assertMatches(stored);
    assertEquals(ledger.triedCount(), ledger.acknowledgedCount());
    assertEquals(ledger.acknowledgedCount(), stored.size());
    assertTrue(retries.get() > 0, "faults made the channel retry");
  }

  /** A channel as {@link AuditClient#connect} builds it, counting attempts and retries. */
  private ManagedChannel channel() throws Exception {
    ClientStreamTracer.Factory counting = new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(
          ClientStreamTracer.StreamInfo info, Metadata headers) {
        attempts.incrementAndGet();
        if (info.getPreviousAttempts() > 0) {
          retries.incrementAndGet();
        }
        return new ClientStreamTracer() {};
      }
    };
    ClientInterceptor tracing = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withStreamTracerFactory(counting));
      }
    };
    return NettyChannelBuilder.forTarget("localhost:" + port)
        .sslContext(ClientChannels.sslContext(TestCerts.pem("auth-backend"),
            TestCerts.key("auth-backend"), TestCerts.pem("ca")))
        .defaultServiceConfig(AuditClient.retryServiceConfig())
        .enableRetry()
        .intercept(tracing)
        .build();
  }

  private static void pause(double seconds) throws InterruptedException {
    Thread.sleep((long) (seconds * 1000));
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
