package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client of several servers checks each server's certificate against the name the server
 * is listed under. Two servers with the dev certificate (names {@code localhost},
 * {@code 127.0.0.1}, {@code ::1}): one listed as {@code localhost}, the other as
 * {@code 127.0.0.2}, an address it listens on but its certificate does not name.
 */
class TargetListIT {
  @RegisterExtension
  final AuditServerExtension named = AuditServerExtension.mutualTls();

  @RegisterExtension
  final AuditServerExtension unnamed =
      AuditServerExtension.mutualTls().configure(b -> b.bind("127.0.0.2"));

  private AuditClient client(List<String> targets) throws Exception {
    return AuditClient.connect(targets, TestCerts.pem("auth-backend"),
        TestCerts.key("auth-backend"), TestCerts.pem("ca"));
  }

  @Test
  void connect_aServerListedUnderANameItsCertificateLacks_isNeverUsed() throws Exception {
    try (AuditClient client = client(List.of(
        "localhost:" + named.port(), "127.0.0.2:" + unnamed.port()))) {
      for (int i = 0; i < 20; i++) {
        client.append(Events.registrationFailure());
      }
    }

    assertEquals(20, named.db().countEntries());
    assertEquals(0, unnamed.db().countEntries(), "the first target's name did not vouch for it");
  }

  @Test
  void connect_onlyServersListedUnderNamesTheirCertificatesLack_isUnavailable()
      throws Exception {
    // The named server does not listen on 127.0.0.2 at all.
    try (AuditClient client = client(List.of(
        "127.0.0.2:" + unnamed.port(), "127.0.0.2:" + named.port()))) {
      var e = assertThrows(StatusRuntimeException.class,
          () -> client.append(Events.registrationFailure()));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e::toString);
    }
    assertEquals(0, unnamed.db().countEntries());
  }

  @Test
  void connect_oneListedServerDown_appendsGoToTheOther() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    try (AuditClient client = client(List.of(
        "localhost:" + closedPort, "localhost:" + named.port()))) {
      for (int i = 0; i < 30; i++) {
        client.append(Events.registrationFailure());
      }
    }

    assertEquals(30, named.db().countEntries());
  }
}
