package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServer;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.TestServer;
import dev.auditlog.server.store.AuditStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries through the service-config retry policy: the first attempt is stored but its answer
 * never arrives (the server reports a failed commit, or the connection drops before the
 * response), the client resends the same event, and the log holds it once.
 */
class RetryTest {
  private TestDatabase db;
  private AuditStore store;
  private AuditServer server;

  @BeforeEach
  void createDatabase() {
    db = TestDatabase.create();
  }

  private void startServer(AuditStore store) throws Exception {
    this.store = store;
    this.server = AuditServer.start(TestServer.config(0), store);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
      store.close();
    }
    db.close();
  }

  private AuditClient client(String identity) throws Exception {
    return AuditClient.connect("localhost:" + server.port(), TestCerts.pem(identity),
        TestCerts.key(identity), TestCerts.pem("ca"));
  }

  @Test
  void append_firstAttemptCommittedButAnsweredUnavailable_isRetriedAndStoredOnce()
      throws Exception {
    LostCommitAcknowledgement lossy = new LostCommitAcknowledgement(db.store());
    startServer(lossy);
    AuditEvent event = Events.registrationFailure().toBuilder().clearEventId().build();

    AppendResponse appended;
    try (AuditClient backend = client("auth-backend")) {
      appended = backend.append(event);
    }

    List<Entry> entries;
    try (AuditClient auditor = client("auditor")) {
      entries = auditor.listAll(ListRequest.getDefaultInstance()).collect(Collectors.toList());
    }
    assertEquals(2, lossy.commits(), "the failed-looking attempt and the retry");
    assertEquals(1, db.countEntries());
    assertEquals(1, entries.size());
    assertEquals(appended.getSeq(), entries.get(0).getSeq());
    assertEquals(appended.getEntryHash(), entries.get(0).getEntryHash());
  }

  @Test
  void append_connectionLostAfterTheServerStoredIt_isRetriedOnANewConnectionAndStoredOnce()
      throws Exception {
    startServer(db.store());
    AuditEvent event = Events.registrationFailure();
    try (LossyProxy proxy = new LossyProxy(server.port());
        AuditClient backend = AuditClient.connect("localhost:" + proxy.port(),
            TestCerts.pem("auth-backend"), TestCerts.key("auth-backend"), TestCerts.pem("ca"))) {
      backend.health();
      proxy.loseAnswers();

      var pending = backend.appendAsync(event);
      awaitEntries(1);
      proxy.cutLosingConnections();
      AppendResponse appended = pending.get(30, TimeUnit.SECONDS);

      assertEquals(2, proxy.connections(), "the retry went over a new connection");
      assertEquals(1, db.countEntries());
      assertEquals(1, appended.getSeq());
    }
  }

  /** Waits until the log holds {@code n} entries, as a server-side observer would see them. */
  private void awaitEntries(long n) throws Exception {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (db.countEntries() < n) {
      if (System.nanoTime() > giveUp) {
        throw new AssertionError("the first attempt never reached the store");
      }
      Thread.sleep(20);
    }
  }
}
