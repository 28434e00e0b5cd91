package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestPki;
import dev.auditlog.server.TestPki.Issued;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a caller's identity comes from, over real mutual TLS: a host certificate is no
 * client, a subject CN names nobody unless {@code --identity-from-cn} says so, and a
 * certificate with two names names nobody.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdentitySourcesIT {
  @TempDir Path dir;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls().notStarted();

  @Test
  void list_serverAuthOnlyCertificateNamedAuditor_isRefusedAtTheHandshake() {
    server.start(b -> b.identityFromCn(true));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub("host-auditor").list(ListRequest.getDefaultInstance()));

    // The JDK's PKIX validator checks the extended key usage of client certificates.
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
  }

  @Test
  void list_commonNameOnlyAuditor_isUnauthenticated() {
    server.start();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub("cn-only-auditor").list(ListRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains("--identity-from-cn"), e.toString());
  }

  @Test
  void listAndGetCheckpoint_commonNameOnlyAuditorWithIdentityFromCn_areServed() {
    server.start(b -> b.identityFromCn(true));
    server.stub("auth-backend").append(Events.request(Events.registrationFailure()));

    assertEquals(1, stub("cn-only-auditor").list(ListRequest.getDefaultInstance())
        .getEntriesCount());
    assertEquals(1, stub("cn-only-auditor")
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint().getSeq());
  }

  @Test
  void list_certificateNamingAuditorAndIntruder_isUnauthenticated() throws Exception {
    Issued both = new TestPki(dir).custom("both", "/CN=auditor",
        RefusalLogIT.clientExtensions("DNS:auditor,DNS:intruder"));
    server.start();

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> AuditLogGrpc.newBlockingStub(
                server.channel(both.pem(), both.key(), TestCerts.pem("ca")))
            .withDeadlineAfter(30, TimeUnit.SECONDS).list(ListRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains("ambiguous identity"), e.toString());
  }

  private AuditLogBlockingStub stub(String devClient) {
    return AuditLogGrpc.newBlockingStub(server.channel(devClient))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }
}
