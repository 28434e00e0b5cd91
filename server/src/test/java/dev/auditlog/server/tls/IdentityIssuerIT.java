package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.Events;
import dev.auditlog.server.ServerConfig;
import dev.auditlog.server.TestCerts;
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
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identities bound to the CA that issued them, over real mutual TLS: with the dev CA and the
 * other CA both trusted, the other CA's {@code auditor} is not the auditor unless bound.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdentityIssuerIT {
  private static final String LIST = "audit.v1.AuditLog/List";

  @TempDir Path dir;
  private Path bothCas;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls().notStarted();

  @BeforeEach
  void bothCas() throws Exception {
    bothCas = Files.writeString(dir.resolve("both.pem"),
        Files.readString(TestCerts.pem("ca")) + Files.readString(TestCerts.pem("other-ca")));
  }

  @Test
  void listAndGetCheckpoint_auditorFromTheOtherCa_arePermissionDeniedNamingItsCa() {
    server.start(bothBoundToDevCa());

    assertUnboundAuditor(() -> stub("other-ca-auditor").list(ListRequest.getDefaultInstance()),
        LIST);
    assertUnboundAuditor(() -> stub("other-ca-auditor")
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build()),
        "audit.v1.AuditLog/GetCheckpoint");
  }

  @Test
  void appendAndList_identitiesFromTheirBoundCa_areServed() {
    server.start(bothBoundToDevCa());

    stub("auth-backend").append(Events.request(Events.registrationFailure()));

    assertEquals(1, stub("auditor").list(ListRequest.getDefaultInstance()).getEntriesCount());
    assertEquals(1, stub("auditor")
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint().getSeq());
  }

  @Test
  void append_authBackendFromTheOtherCa_isPermissionDeniedAndStoresNothing() throws Exception {
    server.start(bothBoundToDevCa());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub("other-ca-client").append(Events.request(Events.registrationFailure())));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
    assertTrue(e.getStatus().getDescription().contains("CN=Audit Other CA"), e.toString());
    assertEquals(0, server.db().countEntries());
  }

  @Test
  void healthCheck_auditorFromTheOtherCa_isServing() {
    server.start(bothBoundToDevCa());

    assertEquals(ServingStatus.SERVING, health("other-ca-auditor"));
  }

  @Test
  void list_auditorBoundToTheOtherCa_isServedFromThereOnly() {
    server.start(b -> trusting(b, bothCas)
        .identityIssuer("auth-backend", TestCerts.pem("ca"))
        .identityIssuer("auditor", TestCerts.pem("other-ca")));

    assertEquals(0, stub("other-ca-auditor").list(ListRequest.getDefaultInstance())
        .getEntriesCount());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub("auditor").list(ListRequest.getDefaultInstance()));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
    assertTrue(e.getStatus().getDescription().contains("CN=Audit Dev CA"), e.toString());
  }

  @Test
  void start_twoCasWithoutBindings_isRefusedNamingTheIdentities() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> server.start(b -> trusting(b, bothCas)
            .identityIssuer("auth-backend", TestCerts.pem("ca"))));

    assertTrue(e.getMessage().contains("--identity-issuer auditor=CA_PEM_FILE"), e.getMessage());
  }

  @Test
  void trustedCaReloadedWithAnotherCa_admitsItsClients_butItIssuesNoBoundIdentity()
      throws Exception {
    Path ca = Files.copy(TestCerts.pem("ca"), dir.resolve("trusted.pem"));
    server.start(b -> trusting(b, ca));
    Path next = Files.copy(bothCas, dir.resolve("trusted.pem.new"));
    Files.move(next, ca, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

    awaitServing("other-ca-auditor", Duration.ofSeconds(20));

    assertUnboundAuditor(() -> stub("other-ca-auditor").list(ListRequest.getDefaultInstance()),
        LIST);
    assertEquals(0, stub("auditor").list(ListRequest.getDefaultInstance()).getEntriesCount());
  }

  private UnaryOperator<ServerConfig.Builder> bothBoundToDevCa() {
    return b -> trusting(b, bothCas)
        .identityIssuer("auth-backend", TestCerts.pem("ca"))
        .identityIssuer("auditor", TestCerts.pem("ca"));
  }

  /** The dev server certificate, trusting the CAs in {@code ca}. */
  private static ServerConfig.Builder trusting(ServerConfig.Builder b, Path ca) {
    return b.tls(TestCerts.pem("server"), TestCerts.key("server"), ca);
  }

  private static void assertUnboundAuditor(Executable call, String method) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
    assertEquals("identity 'auditor' issued by CA 'CN=Audit Other CA' may not call " + method
        + ": that CA may not issue this identity", e.getStatus().getDescription());
  }

  /** Retries a health check until the reloaded CAs admit {@code client}. */
  private void awaitServing(String client, Duration timeout) throws Exception {
    Await.until("the reloaded CAs admit " + client, timeout, () -> {
      try {
        return health(client) == ServingStatus.SERVING;
      } catch (StatusRuntimeException refused) {
        return false;
      }
    });
  }

  private ServingStatus health(String client) {
    return HealthGrpc.newBlockingStub(server.channel(client))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private AuditLogBlockingStub stub(String client) {
    return AuditLogGrpc.newBlockingStub(server.channel(client))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
