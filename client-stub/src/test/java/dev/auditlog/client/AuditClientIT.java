package dev.auditlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client library against the real server over mutual TLS with the dev certificates and
 * PostgreSQL, connecting as {@link AuditClient#connect} does; and a server its CA does not
 * trust.
 */
class AuditClientIT extends AuditClientContract {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  @Override
  AuditClient client(String identity) throws Exception {
    return AuditClient.connect("localhost:" + server.port(), TestCerts.pem(identity),
        TestCerts.key(identity), TestCerts.pem("ca"));
  }

  @Test
  void append_serverCertificateFromAnotherCa_failsUnavailableWithTheHandshakeError()
      throws Exception {
    try (AuditClient client = AuditClient.connect("localhost:" + server.port(),
        TestCerts.pem("auth-backend"), TestCerts.key("auth-backend"), TestCerts.pem("other-ca"))) {
      var e = assertThrows(StatusRuntimeException.class,
          () -> client.append(Events.registrationFailure()));

      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e::toString);
      assertTrue(causes(e).anyMatch(c -> c instanceof javax.net.ssl.SSLException), e::toString);
    }
    assertEquals(0, server.db().countEntries());
  }

  private static Stream<Throwable> causes(Throwable t) {
    return Stream.iterate(t, c -> c != null, Throwable::getCause);
  }
}
