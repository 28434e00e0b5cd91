package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.Events;
import dev.auditlog.server.ServerConfig;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.TestServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identities bound to the CA that issued them, over real mutual TLS: with the dev CA and the
 * other CA both trusted, the other CA's {@code auditor} is not the auditor unless bound.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdentityIssuerTest {
  private static final String LIST = "audit.v1.AuditLog/List";

  @TempDir Path dir;
  private TestDatabase db;
  private TestServer server;
  private Path bothCas;

  @BeforeEach
  void setUp() throws Exception {
    db = TestDatabase.create();
    bothCas = Files.writeString(dir.resolve("both.pem"),
        Files.readString(TestCerts.pem("ca")) + Files.readString(TestCerts.pem("other-ca")));
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    db.close();
  }

  @Test
  void listAndGetCheckpoint_auditorFromTheOtherCa_arePermissionDeniedNamingItsCa() {
    start(bothBoundToDevCa());

    assertUnboundAuditor(() -> stub("other-ca-auditor").list(ListRequest.getDefaultInstance()),
        LIST);
    assertUnboundAuditor(() -> stub("other-ca-auditor")
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build()),
        "audit.v1.AuditLog/GetCheckpoint");
  }

  @Test
  void appendAndList_identitiesFromTheirBoundCa_areServed() {
    start(bothBoundToDevCa());

    stub("auth-backend").append(Events.request(Events.registrationFailure()));

    assertEquals(1, stub("auditor").list(ListRequest.getDefaultInstance()).getEntriesCount());
    assertEquals(1, stub("auditor")
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint().getSeq());
  }

  @Test
  void append_authBackendFromTheOtherCa_isPermissionDeniedAndStoresNothing() throws Exception {
    start(bothBoundToDevCa());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub("other-ca-client").append(Events.request(Events.registrationFailure())));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
    assertTrue(e.getStatus().getDescription().contains("CN=Audit Other CA"), e.toString());
    assertEquals(0, db.countEntries());
  }

  @Test
  void healthCheck_auditorFromTheOtherCa_isServing() {
    start(bothBoundToDevCa());

    assertEquals(ServingStatus.SERVING, health("other-ca-auditor"));
  }

  @Test
  void list_auditorBoundToTheOtherCa_isServedFromThereOnly() {
    start(TestServer.config(TestCerts.pem("server"), TestCerts.key("server"), bothCas, null)
        .toBuilder()
        .identityIssuer("auth-backend", TestCerts.pem("ca"))
        .identityIssuer("auditor", TestCerts.pem("other-ca"))
        .build());

    assertEquals(0, stub("other-ca-auditor").list(ListRequest.getDefaultInstance())
        .getEntriesCount());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub("auditor").list(ListRequest.getDefaultInstance()));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
    assertTrue(e.getStatus().getDescription().contains("CN=Audit Dev CA"), e.toString());
  }

  @Test
  void start_twoCasWithoutBindings_isRefusedNamingTheIdentities() {
    ServerConfig config =
        TestServer.config(TestCerts.pem("server"), TestCerts.key("server"), bothCas, null)
            .toBuilder().identityIssuer("auth-backend", TestCerts.pem("ca")).build();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> start(config));

    assertTrue(e.getMessage().contains("--identity-issuer auditor=CA_PEM_FILE"), e.getMessage());
  }

  @Test
  void trustedCaReloadedWithAnotherCa_admitsItsClients_butItIssuesNoBoundIdentity()
      throws Exception {
    Path ca = Files.copy(TestCerts.pem("ca"), dir.resolve("trusted.pem"));
    start(TestServer.config(TestCerts.pem("server"), TestCerts.key("server"), ca, null));
    Path next = Files.copy(bothCas, dir.resolve("trusted.pem.new"));
    Files.move(next, ca, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

    awaitServing("other-ca-auditor", Duration.ofSeconds(20));

    assertUnboundAuditor(() -> stub("other-ca-auditor").list(ListRequest.getDefaultInstance()),
        LIST);
    assertEquals(0, stub("auditor").list(ListRequest.getDefaultInstance()).getEntriesCount());
  }

  private ServerConfig bothBoundToDevCa() {
    return TestServer.config(TestCerts.pem("server"), TestCerts.key("server"), bothCas, null)
        .toBuilder()
        .identityIssuer("auth-backend", TestCerts.pem("ca"))
        .identityIssuer("auditor", TestCerts.pem("ca"))
        .build();
  }

  private void start(ServerConfig config) {
    server = TestServer.start(db, config);
  }

  private static void assertUnboundAuditor(Executable call, String method) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
    assertEquals("identity 'auditor' issued by CA 'CN=Audit Other CA' may not call " + method
        + ": that CA may not issue this identity", e.getStatus().getDescription());
  }

  /** Retries a health check until the reloaded CAs admit {@code client}. */
  private void awaitServing(String client, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        assertEquals(ServingStatus.SERVING, health(client));
        return;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
      }
    }
  }

  private ServingStatus health(String client) {
    return HealthGrpc.newBlockingStub(
            server.channel(TestCerts.pem(client), TestCerts.key(client)))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private AuditLogBlockingStub stub(String client) {
    return AuditLogGrpc.newBlockingStub(
            server.channel(TestCerts.pem(client), TestCerts.key(client)))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
