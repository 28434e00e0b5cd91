package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.client.verify.ExportVerifier;
import dev.auditlog.client.verify.Verification;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.Events;
import dev.auditlog.server.ServerProcess;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestDatabase;
import java.io.BufferedReader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three server jars on one PostgreSQL (one log, one chain), a client of all three spreading
 * appends over them, unary and batched, and one of the servers killed with SIGKILL while the
 * appends run. Every acknowledged event is then stored exactly once, nothing unacknowledged
 * is stored, and an export of the log verifies. Prints how many appends needed a retry.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReplicaFailoverIT {
  private static final int BLOCKING_CALLERS = 8;
  private static final int ASYNC_CALLERS = 32;
  private static final int BEFORE_KILL = 2000;
  private static final int AFTER_KILL = 2000;

  @TempDir Path tmp;
  private final List<ServerProcess> servers = new ArrayList<>();
  private final SoakLedger ledger = new SoakLedger();
  private final AttemptTally unaryTally = new AttemptTally();
  private final AttemptTally batchTally = new AttemptTally();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean running = true;

  @AfterEach
  void stopServers() {
    running = false;
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).kill();
    }
  }

  @Test
  void threeReplicas_oneKilledUnderLoad_everyAcknowledgedEventStoredOnce_andTheExportVerifies()
      throws Exception {
    String url = TestDatabase.createUnmigrated();
    for (String name : List.of("a", "b", "c")) {
      start(url, name);
    }
    // The names the dev server certificate holds, both: each target is checked by its own.
    List<String> targets = List.of("localhost:" + servers.get(0).port(),
        "127.0.0.1:" + servers.get(1).port(), "localhost:" + servers.get(2).port());
    CountDownLatch stopped = new CountDownLatch(BLOCKING_CALLERS + ASYNC_CALLERS);
    ExecutorService blocking = Executors.newFixedThreadPool(BLOCKING_CALLERS);
    try (AuditClient unary = client(targets, unaryTally).build();
        AuditClient batched = client(targets, batchTally)
            .batching(Duration.ofMillis(1), 1000).build()) {
      for (int i = 0; i < BLOCKING_CALLERS; i++) {
        blocking.execute(() -> appendUntilStopped(unary, stopped));
      }
      for (int i = 0; i < ASYNC_CALLERS; i++) {
        appendAsyncUntilStopped(batched, Events.registrationFailure(), stopped);
      }
      Await.until(BEFORE_KILL + " appends over all three servers", Duration.ofSeconds(90),
          () -> ledger.acknowledgedCount() >= BEFORE_KILL
              && unaryTally.attemptsByPort().size() == 3
              && batchTally.attemptsByPort().size() == 3);
      int beforeKill = ledger.acknowledgedCount();
      servers.get(1).killNow();
      Await.until(AFTER_KILL + " more appends after the kill", Duration.ofSeconds(90),
          () -> ledger.acknowledgedCount() >= beforeKill + AFTER_KILL);
      running = false;
      assertTrue(stopped.await(60, TimeUnit.SECONDS), "callers stopped");
      report(targets, beforeKill);
    } finally {
      running = false;
      blocking.shutdownNow();
    }
    verify(targets);
  }

  private void start(String url, String name) {
    ServerProcess server = ServerProcess.start(tmp.resolve(name), "--port", "0",
        "--db-url", url, "--db-user", TestDatabase.WRITER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-user", TestDatabase.OWNER,
        "--db-owner-password", TestDatabase.password(TestDatabase.OWNER),
        "--signing-key", AuditServerExtension.PRIVATE_SIGNING_KEY.toString(),
        "--checkpoint-interval", "3600");
    servers.add(server);
    server.awaitListening(Duration.ofSeconds(90));
  }

  private static AuditClient.Builder client(List<String> targets, AttemptTally tally) {
    return AuditClient.builder().targets(targets).credentials(TestCerts.pem("auth-backend"),
        TestCerts.key("auth-backend"), TestCerts.pem("ca")).intercept(tally);
  }

  /** Fresh events, one at a time; one that fails is resent as is until acknowledged. */
  private void appendUntilStopped(AuditClient client, CountDownLatch stopped) {
    AuditEvent pending = null;
    while (running || pending != null) {
      AuditEvent event = pending != null ? pending : Events.registrationFailure();
      if (pending == null) {
        ledger.tried(event);
      }
      try {
        ledger.acknowledged(event, client.append(event));
        pending = null;
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        ledger.resent();
        pending = event;
        pause();
      }
    }
    stopped.countDown();
  }

  private static void pause() {
    try {
      Thread.sleep(100); // a caller's pause before it resends: part of the load
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The same without a thread: the next event is sent from the previous one's callback. */
  private void appendAsyncUntilStopped(AuditClient client, AuditEvent event,
      CountDownLatch stopped) {
    ledger.tried(event);
    CompletableFuture<AppendResponse> answer = client.appendAsync(event);
    answer.whenComplete((response, failure) -> {
      if (failure != null) {
        failures.incrementAndGet();
        ledger.resent();
        CompletableFuture.runAsync(() -> appendAsyncUntilStopped(client, event, stopped),
            CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));
        return;
      }
      ledger.acknowledged(event, response);
      if (running) {
        CompletableFuture.runAsync(
            () -> appendAsyncUntilStopped(client, Events.registrationFailure(), stopped));
      } else {
        stopped.countDown();
      }
    });
  }

  private void report(List<String> targets, int beforeKill) {
    System.out.printf("replicas %s, killed %s:%n  acknowledged %d (%d before the kill), failed"
            + " calls seen by callers %d%n  unary Append: attempts by port %s, calls retried"
            + " by the channel %d, events that needed a retry %d%n  batched appendAsync:"
            + " attempts by port %s, batch calls retried by the channel %d, events resent by"
            + " the batcher %d, events that needed a retry %d%n",
        targets, targets.get(1), ledger.acknowledgedCount(), beforeKill, failures.get(),
        unaryTally.attemptsByPort(), unaryTally.callsRetried(), unaryTally.eventsRetried(),
        batchTally.attemptsByPort(), batchTally.callsRetried(), batchTally.eventsResent(),
        batchTally.eventsRetried());
  }

  /** The log against the ledger, and an export of it through the offline verifier. */
  private void verify(List<String> targets) throws Exception {
    List<String> alive = List.of(targets.get(0), targets.get(2));
    Path export = tmp.resolve("export.jsonl");
    List<Entry> stored;
    try (AuditClient auditor = AuditClient.builder().targets(alive)
        .credentials(TestCerts.pem("auditor"), TestCerts.key("auditor"), TestCerts.pem("ca"))
        .build(); Writer out = Files.newBufferedWriter(export)) {
      ExportWriter.write(auditor.export(ExportRequest.getDefaultInstance()), out);
      stored = auditor.listAll(ListRequest.newBuilder().setPageSize(1000).build())
          .collect(Collectors.toList());
    }
    Verification verification;
    try (BufferedReader in = Files.newBufferedReader(export)) {
      verification = ExportVerifier.verify(in,
          Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY));
    }
    assertTrue(verification.ok(), verification::toString);
    assertEquals(ledger.triedCount(), ledger.acknowledgedCount(), "every event acknowledged");
    ledger.assertMatches(stored);
    assertEquals(stored.size(), verification.entries());
    assertEquals(ledger.acknowledgedCount(), stored.size());
    Events.assertChain(stored);
  }
}
