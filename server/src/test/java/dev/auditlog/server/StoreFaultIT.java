package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server while its database is away: stopped, crashed, or hung behind a paused
 * connection. Appends fail with UNAVAILABLE before their deadline, health says NOT_SERVING,
 * and service comes back by itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoreFaultIT {
  private RestartableDatabase db;

  @RegisterExtension
  final AuditServerExtension server =
      AuditServerExtension.mutualTls(() -> (db = RestartableDatabase.start()).store());

  @Test
  void hungDatabase_failsAppendsWithUnavailableInTime_andRecoversWhenItAnswers()
      throws Exception {
    append(Events.registrationFailure());
    db.relay().pause();

    assertUnavailableWithin(Duration.ofSeconds(15));
    awaitHealth(ServingStatus.NOT_SERVING);
    assertUnavailableWithin(Duration.ofSeconds(1));

    db.relay().resume();
    awaitHealth(ServingStatus.SERVING);
    append(Events.registrationFailure());
    Events.assertChain(db.entries("default"));
  }

  @Test
  void databaseCrashAndRestart_isUnavailableThenServesAgain_withTheChainIntact()
      throws Exception {
    append(Events.registrationFailure());
    db.crash();

    assertUnavailableWithin(Duration.ofSeconds(6));
    awaitHealth(ServingStatus.NOT_SERVING);

    db.restart();
    awaitHealth(ServingStatus.SERVING);
    AppendResponse after = append(Events.registrationFailure());
    assertEquals(2, after.getSeq());
    Events.assertChain(db.entries("default"));
  }

  @Test
  void connectionsResetWhileIdle_nextAppendSucceedsOrIsRetryable() throws Exception {
    append(Events.registrationFailure());
    db.relay().reset();

    AuditEvent event = Events.registrationFailure();
    AppendResponse r = appendRetryingUnavailable(event);

    List<Entry> entries = db.entries("default");
    assertEquals(2, entries.size());
    assertEquals(r.getChainHash(), entries.get(1).getChainHash());
    Events.assertChain(entries);
  }

  private AppendResponse append(AuditEvent event) {
    return stub(Duration.ofSeconds(20)).append(Events.request(event));
  }

  private AppendResponse appendRetryingUnavailable(AuditEvent event) throws Exception {
    AtomicReference<AppendResponse> appended = new AtomicReference<>();
    Await.until("an append is answered other than UNAVAILABLE", Duration.ofSeconds(20), () -> {
      try {
        appended.set(append(event));
        return true;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw e;
        }
        return false;
      }
    });
    return appended.get();
  }

  private void assertUnavailableWithin(Duration limit) {
    long start = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub(limit.plusSeconds(5)).append(Events.request(Events.registrationFailure())));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
    assertTrue(took.compareTo(limit) < 0, "took " + took + ", limit " + limit);
  }

  private void awaitHealth(ServingStatus expected) throws Exception {
    var health = HealthGrpc.newBlockingStub(server.channel("auditor"));
    Await.until("health is " + expected, Duration.ofSeconds(20),
        () -> health.withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("audit.v1.AuditLog").build())
            .getStatus() == expected);
  }

  private AuditLogBlockingStub stub(Duration deadline) {
    return server.stub("auth-backend")
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }
}
