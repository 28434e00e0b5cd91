package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.store.AuditStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Logs in two PostgreSQL clusters served by one server: the default log in one, {@code
 * tenant-eu} in the other ({@code --database eu=...}). Each log's entries are stored in its
 * own cluster only, and when one cluster stops only its logs turn UNAVAILABLE, in health
 * ({@code audit.v1.AuditLog/LOG}) and for appends, while the other log goes on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MultiDatabaseIT {
  private static final String EU_LOG = "tenant-eu";

  private RestartableDatabase main;
  private RestartableDatabase eu;
  private HealthGrpc.HealthBlockingStub health;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension
      .mutualTls(() -> (main = RestartableDatabase.start()).store())
      .otherDatabases(() -> Map.<String, AuditStore>of("eu", (eu = RestartableDatabase.start())
          .store()))
      .configure(b -> b.database("eu", new ServerConfig.DatabaseConfig(
              "jdbc:postgresql://unused/", "w", null, "o", null, "audit"))
          .log(EU_LOG, "eu")
          .logAppender("*", "auth-backend").logReader("*", "auditor"));

  @Test
  void eachLog_isStoredInItsOwnCluster() throws Exception {
    AppendResponse first = append("");
    append(EU_LOG);
    append(EU_LOG);

    List<Entry> mainEntries = main.entries("default");
    assertEquals(List.of(first.getChainHash()),
        mainEntries.stream().map(Entry::getChainHash).toList());
    assertEquals(List.of(), main.entries(EU_LOG));
    assertEquals(List.of(), eu.entries("default"));
    List<Entry> euEntries = eu.entries(EU_LOG);
    Events.assertChain(euEntries);
    assertEquals(euEntries, server.stub("auditor")
        .list(ListRequest.newBuilder().setLogId(EU_LOG).build()).getEntriesList());
  }

  @Test
  void oneClusterStopped_makesOnlyItsLogsUnavailable_andTheyComeBackWithIt() throws Exception {
    append("");
    append(EU_LOG);

    eu.stop();

    awaitHealth(EU_LOG, ServingStatus.NOT_SERVING);
    assertEquals(ServingStatus.SERVING, health("default"));
    assertEquals(ServingStatus.SERVING, health(""));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> append(EU_LOG));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals("the database of log 'tenant-eu' is unavailable; retry with the same event_id",
        e.getStatus().getDescription());
    assertEquals(2, append("").getSeq());
    assertEquals(3, append("").getSeq());

    eu.restart();
    awaitHealth(EU_LOG, ServingStatus.SERVING);
    assertEquals(2, append(EU_LOG).getSeq());
    Events.assertChain(eu.entries(EU_LOG));
    Events.assertChain(main.entries("default"));
  }

  private AppendResponse append(String log) {
    AppendRequest request = Events.request(Events.registrationFailure()).toBuilder()
        .setLogId(log).build();
    return stub().withDeadlineAfter(20, TimeUnit.SECONDS).append(request);
  }

  private AuditLogBlockingStub stub() {
    return server.stub("auth-backend");
  }

  /** The health of log {@code log}'s service, or the server's for "". */
  private ServingStatus health(String log) {
    String service = log.isEmpty() ? "" : "audit.v1.AuditLog/" + log;
    if (health == null) {
      health = HealthGrpc.newBlockingStub(server.channel("auditor"));
    }
    return health.withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  private void awaitHealth(String log, ServingStatus expected) throws Exception {
    Await.until("health of " + log + " is " + expected, Duration.ofSeconds(30),
        () -> health(log) == expected);
  }
}
