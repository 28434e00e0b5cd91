package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client contract with batching on, over real mutual TLS and PostgreSQL; and many
 * concurrent callers whose events go out in far fewer AppendBatch calls, each stored once.
 */
class BatchingAuditClientIT extends AuditClientContract {
  private static final int CALLERS = 64;
  private static final int EVENTS_PER_CALLER = 50;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  private AuditClient.Builder builder(String identity) {
    return AuditClient.builder().target("localhost:" + server.port())
        .credentials(TestCerts.pem(identity), TestCerts.key(identity), TestCerts.pem("ca"))
        .batching(Duration.ofMillis(1), 1000);
  }

  @Override
  AuditClient client(String identity) throws Exception {
    return builder(identity).build();
  }

  @Test
  void appendAsync_64Callers_eventsShareBatchCalls_eachStoredOnceInAValidChain()
      throws Exception {
    SoakLedger ledger = new SoakLedger();
    CallCounter calls = new CallCounter();
    CountDownLatch done = new CountDownLatch(CALLERS);
    AtomicInteger failures = new AtomicInteger();
    try (AuditClient client = builder("auth-backend").intercept(calls).build()) {
      for (int i = 0; i < CALLERS; i++) {
        appendInTurn(client, EVENTS_PER_CALLER, ledger, failures, done);
      }
      assertTrue(done.await(120, TimeUnit.SECONDS), "the callers finished");
    }

    int events = CALLERS * EVENTS_PER_CALLER;
    System.out.printf("batching over mutual TLS: %d events in %d AppendBatch calls%n", events,
        calls.started("AppendBatch"));
    assertEquals(0, failures.get());
    assertEquals(events, ledger.acknowledgedCount());
    assertEquals(0, calls.started("Append"));
    assertTrue(calls.started("AppendBatch") < events / 2, () -> calls.started("AppendBatch")
        + " AppendBatch calls for " + events + " events");
    List<Entry> stored;
    try (AuditClient auditor = AuditClient.connect("localhost:" + server.port(),
        TestCerts.pem("auditor"), TestCerts.key("auditor"), TestCerts.pem("ca"))) {
      stored = auditor.listAll(ListRequest.newBuilder().setPageSize(1000).build())
          .collect(Collectors.toList());
    }
    ledger.assertMatches(stored);
    Events.assertChain(stored);
  }

  /** One caller: {@code n} events, each sent from the previous one's callback. */
  private static void appendInTurn(AuditClient client, int n, SoakLedger ledger,
      AtomicInteger failures, CountDownLatch done) {
    if (n == 0) {
      done.countDown();
      return;
    }
    AuditEvent event = Events.registrationFailure();
    ledger.tried(event);
    client.appendAsync(event).whenComplete((response, failure) -> {
      if (failure != null) {
        failures.incrementAndGet();
        done.countDown();
      } else {
        ledger.acknowledged(event, response);
        CompletableFuture.runAsync(() -> appendInTurn(client, n - 1, ledger, failures, done));
      }
    });
  }
}
