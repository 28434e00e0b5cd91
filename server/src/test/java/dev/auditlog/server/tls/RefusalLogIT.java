package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestPki;
import dev.auditlog.server.TestPki.Issued;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the server logs about refused handshakes and denied calls, over real sockets: text
 * from the client's certificate cannot break or forge a log line, and repeating a refusal
 * does not repeat the line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RefusalLogIT {
  private static final Duration LOG_WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private TestPki pki;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls().notStarted();

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestPki(dir);
  }

  @Test
  void deniedCall_identityWithLineBreak_isLoggedOnOneLineWithEscapes() throws Exception {
    Issued forged = pki.custom("forged", "/CN=forged", clientExtensions(
        "DNS:intruder\\r\\n2026-12-01 [main] INFO FORGED line"));
    server.start();

    try (CapturedLog log = new CapturedLog()) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> list(forged));

      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
      List<String> lines = log.lines(l -> l.contains("FORGED"));
      assertEquals(1, lines.size(), String.join("\n", log.lines()));
      assertTrue(lines.get(0).contains(
          "denied audit.v1.AuditLog/List to identity 'intruder\\u000d\\u000a2026-12-01"),
          lines.get(0));
    }
  }

  @Test
  void refusedHandshake_subjectWithControlAndBidiCharacters_isLoggedOnOneLineWithEscapes()
      throws Exception {
    Issued revoked = pki.custom("revoked", "/CN=evil\r2026 FORGED/O=x\u202ey",
        clientExtensions("DNS:auth-backend"));
    pki.revoke(revoked);
    Path crl = pki.crl("crl.pem");
    server.start(b -> b.crl(crl));

    try (CapturedLog log = new CapturedLog()) {
      assertThrows(StatusRuntimeException.class, () -> health(revoked));

      String line = log.awaitLine(l -> l.contains("refused TLS handshake"), LOG_WAIT);
      assertTrue(line.contains("CN=evil\\u000d2026 FORGED") && line.contains("x\\u202ey")
          && line.contains("serial " + revoked.serialHex()), line);
      assertTrue(log.lines().stream().noneMatch(l -> l.indexOf('\u202e') >= 0), "raw U+202E");
    }
  }

  @Test
  void repeatedDenials_ofOneIdentity_areLoggedOnceWithinTheInterval() {
    server.start();

    try (CapturedLog log = new CapturedLog()) {
      for (int i = 0; i < 5; i++) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> server.stub("intruder").list(ListRequest.getDefaultInstance()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.toString());
      }
      assertThrows(StatusRuntimeException.class,
          () -> server.stub("auth-backend").list(ListRequest.getDefaultInstance()));

      assertEquals(1, log.lines(l -> l.contains("to identity 'intruder'")).size(),
          String.join("\n", log.lines()));
      assertEquals(1, log.lines(l -> l.contains("to identity 'auth-backend'")).size(),
          String.join("\n", log.lines()));
    }
  }

  @Test
  void repeatedHandshakeRefusals_fromOneHostForOneReason_areLoggedOnceWithinTheInterval()
      throws Exception {
    Issued revoked = pki.client("revoked", "auth-backend");
    pki.revoke(revoked);
    Path crl = pki.crl("crl.pem");
    server.start(b -> b.crl(crl));

    try (CapturedLog log = new CapturedLog()) {
      for (int i = 0; i < 5; i++) {
        assertThrows(StatusRuntimeException.class, () -> health(null));
      }
      assertThrows(StatusRuntimeException.class, () -> health(revoked));

      log.awaitLine(l -> l.contains("refused TLS handshake") && l.contains("revoked"), LOG_WAIT);
      assertEquals(1, log.lines(l -> l.contains("no client certificate")).size(),
          String.join("\n", log.lines()));
    }
  }

  /** The extension lines of a client certificate (clientAuth) with {@code san}. */
  static String[] clientExtensions(String san) {
    return new String[] {"basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth",
        "subjectAltName=" + san};
  }

  private void list(Issued client) {
    AuditLogGrpc.newBlockingStub(server.channel(client.pem(), client.key(), TestCerts.pem("ca")))
        .withDeadlineAfter(30, TimeUnit.SECONDS).list(ListRequest.getDefaultInstance());
  }

  /** A health check presenting {@code client}'s certificate, or none if null. */
  private void health(Issued client) {
    HealthGrpc.newBlockingStub(client == null ? server.channel(null, null, TestCerts.pem("ca"))
            : server.channel(client.pem(), client.key(), TestCerts.pem("ca")))
        .withDeadlineAfter(30, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
  }
}
