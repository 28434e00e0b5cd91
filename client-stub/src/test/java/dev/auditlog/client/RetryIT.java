package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retries through the service-config retry policy: the first attempt is stored but its answer
 * never arrives (the server reports a failed commit, or the connection drops before the
 * response), the client resends the same event, and the log holds it once.
 */
class RetryIT {
  private LostCommitAcknowledgement store;

  @RegisterExtension
  final AuditServerExtension server =
      AuditServerExtension.mutualTls().wrapStore(s -> store = new LostCommitAcknowledgement(s));

  private AuditClient client(String identity) throws Exception {
    return AuditClient.connect("localhost:" + server.port(), TestCerts.pem(identity),
        TestCerts.key(identity), TestCerts.pem("ca"));
  }

  @Test
  void append_firstAttemptCommittedButAnsweredUnavailable_isRetriedAndStoredOnce()
      throws Exception {
    store.loseTheNextAcknowledgement();
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
    assertEquals(1, server.db().countEntries());
    assertEquals(1, entries.size());
    assertEquals(appended.getSeq(), entries.get(0).getSeq());
    assertEquals(appended.getEntryHash(), entries.get(0).getEntryHash());
  }

  @Test
  void append_connectionLostAfterTheServerStoredIt_isRetriedOnANewConnectionAndStoredOnce()
      throws Exception {
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
      assertEquals(1, server.db().countEntries());
      assertEquals(1, appended.getSeq());
    }
  }

  /** Waits until the log holds {@code n} entries, as a server-side observer would see them. */
  private void awaitEntries(long n) throws Exception {
    Await.until("the first attempt reached the store", Duration.ofSeconds(20),
        () -> server.db().countEntries() >= n);
  }
}
