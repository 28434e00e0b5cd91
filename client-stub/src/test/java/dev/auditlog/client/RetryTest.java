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
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries through the service-config retry policy: the server commits the first attempt but
 * answers UNAVAILABLE, the client resends the same event, and the log holds it once.
 */
class RetryTest {
  private TestDatabase db;
  private LostCommitAcknowledgement store;
  private AuditServer server;

  @BeforeEach
  void start() throws Exception {
    db = TestDatabase.create();
    store = new LostCommitAcknowledgement(db.store());
    server = AuditServer.start(TestServer.config(0), store);
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
    db.close();
  }

  private AuditClient client(String identity) throws Exception {
    return AuditClient.connect("localhost:" + server.port(), TestCerts.pem(identity),
        TestCerts.key(identity), TestCerts.pem("ca"));
  }

  @Test
  void append_firstAttemptCommittedButAnsweredUnavailable_isRetriedAndStoredOnce()
      throws Exception {
    AuditEvent event = Events.registrationFailure().toBuilder().clearEventId().build();

    AppendResponse appended;
    try (AuditClient backend = client("auth-backend")) {
      appended = backend.append(event);
    }

    List<Entry> entries;
    try (AuditClient auditor = client("auditor")) {
      entries = auditor.listAll(ListRequest.getDefaultInstance()).collect(Collectors.toList());
    }
    assertEquals(2, store.commits(), "the failed-looking attempt and the retry");
    assertEquals(1, db.countEntries());
    assertEquals(1, entries.size());
    assertEquals(appended.getSeq(), entries.get(0).getSeq());
    assertEquals(appended.getEntryHash(), entries.get(0).getEntryHash());
  }
}
