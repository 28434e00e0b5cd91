package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.TestPki;
import dev.auditlog.server.TestPki.Issued;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates in operation, from the outside over real sockets: the server certificate
 * and the trusted CAs replaced on disk take effect for new connections without a restart,
 * and a client certificate listed in the CRL file is refused at the handshake.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CertificateOperationsIT {
  private static final Duration RELOAD_WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private TestPki pki;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls().notStarted();

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestPki(dir);
  }

  @Test
  void serverCertificateReplacedOnDisk_isPresentedToNewConnections_withoutRestart()
      throws Exception {
    Path cert = copy(TestCerts.pem("server"), "served.pem");
    Path key = copy(TestCerts.key("server"), "served.key");
    start(cert, key, TestCerts.pem("ca"), null);
    X509Certificate before = presentedCertificate();

    Issued renewed = pki.server("renewed");
    replace(renewed.key(), key);
    replace(renewed.pem(), cert);

    Await.until("new connections are shown the renewed certificate", RELOAD_WAIT,
        () -> presentedCertificate().getSerialNumber().toString(16)
            .equals(renewed.serialHex()));
    assertEquals(certificateSerial(TestCerts.pem("server")), before.getSerialNumber().toString(16));
  }

  @Test
  void trustedCaReplacedOnDisk_admitsClientsOfTheNewCa_withoutRestart() throws Exception {
    Path ca = copy(TestCerts.pem("ca"), "trusted.pem");
    start(TestCerts.pem("server"), TestCerts.key("server"), ca, null);
    assertRefused(health("other-ca-client"));

    Path both = dir.resolve("both.pem");
    Files.writeString(both, Files.readString(TestCerts.pem("ca"))
        + Files.readString(TestCerts.pem("other-ca")));
    replace(both, ca);

    Await.until("a client of the other CA is served", RELOAD_WAIT,
        () -> served(health("other-ca-client")));
  }

  @Test
  void clientCertificateListedInTheCrl_isRefusedAtTheHandshake_othersAreServed()
      throws Exception {
    Issued revoked = pki.client("revoked", "auth-backend");
    Issued good = pki.client("good", "auth-backend");
    pki.revoke(revoked);
    start(TestCerts.pem("server"), TestCerts.key("server"), TestCerts.pem("ca"),
        pki.crl("crl.pem"));

    assertRefused(health(revoked));
    assertEquals(ServingStatus.SERVING, health(good).call());
    assertEquals(ServingStatus.SERVING, health("auth-backend").call());
  }

  @Test
  void crlReplacedOnDisk_revokesAClientThatWasServed_withoutRestart() throws Exception {
    Issued client = pki.client("client", "auth-backend");
    Path crl = copy(pki.crl("empty.pem"), "served-crl.pem");
    start(TestCerts.pem("server"), TestCerts.key("server"), TestCerts.pem("ca"), crl);
    assertEquals(ServingStatus.SERVING, health(client).call());

    pki.revoke(client);
    replace(pki.crl("new.pem"), crl);

    Await.until("the revoked client is refused", RELOAD_WAIT, () -> !served(health(client)));
    assertRefused(health(client));
  }

  @Test
  void refusedHandshakes_areLoggedOnceEach_withPeerAddressAndReason() throws Exception {
    Issued revoked = pki.client("revoked", "auth-backend");
    pki.revoke(revoked);
    start(TestCerts.pem("server"), TestCerts.key("server"), TestCerts.pem("ca"),
        pki.crl("crl.pem"));
    List<String> lines;
    try (CapturedLog log = new CapturedLog()) {
      assertRefused(health(revoked));
      assertRefused(health(TestCerts.pem("other-ca-client"), TestCerts.key("other-ca-client")));
      assertRefused(health(null, null));
      // The server logs a refusal after the client saw it: wait for the last one's line.
      log.awaitLine(l -> l.contains("refused TLS") && l.contains("no client certificate"),
          RELOAD_WAIT);
      lines = log.lines(l -> l.contains("refused TLS"));
    }

    assertEquals(3, lines.size(), String.join("\n", lines));
    assertTrue(lines.stream().allMatch(l -> l.contains("refused TLS handshake from /127.0.0.1:")));
    assertTrue(lines.get(0).contains("certificate revoked") && lines.get(0).contains(
        "serial " + revoked.serialHex()), lines.get(0));
    assertTrue(lines.get(1).contains("not issued by a trusted CA"), lines.get(1));
    assertTrue(lines.get(2).contains("no client certificate"), lines.get(2));
    assertFalse(String.join("", lines).contains("PRIVATE"));
  }

  private interface Check {
    ServingStatus call();
  }

  private void start(Path cert, Path key, Path ca, Path crl) {
    server.start(b -> b.tls(cert, key, ca).crl(crl));
  }

  private Check health(String devClient) {
    return health(TestCerts.pem(devClient), TestCerts.key(devClient));
  }

  private Check health(Issued client) {
    return health(client.pem(), client.key());
  }

  private Check health(Path pem, Path key) {
    return () -> {
      ManagedChannel channel = null;
      try {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(TestCerts.pem("ca").toFile());
        if (pem != null) {
          ssl.keyManager(pem.toFile(), key.toFile());
        }
        channel = NettyChannelBuilder.forAddress("localhost", server.port())
            .sslContext(ssl.build()).build();
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalStateException(e);
      } finally {
        if (channel != null) {
          channel.shutdownNow();
        }
      }
    };
  }

  /** Whether {@code check} is answered SERVING; false when the handshake is refused. */
  private static boolean served(Check check) {
    try {
      return check.call() == ServingStatus.SERVING;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
        throw e;
      }
      return false;
    }
  }

  private static void assertRefused(Check check) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, check::call);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getMessage());
  }

  /** Connects as auth-backend and returns the leaf certificate the server presented. */
  private X509Certificate presentedCertificate() throws Exception {
    AtomicReference<X509Certificate> seen = new AtomicReference<>();
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port())
        .sslContext(GrpcSslContexts.forClient().trustManager(new Recording(seen))
            .keyManager(TestCerts.pem("auth-backend").toFile(),
                TestCerts.key("auth-backend").toFile()).build())
        .build();
    try {
      HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      return seen.get();
    } finally {
      channel.shutdownNow();
    }
  }

  private static String certificateSerial(Path pem) throws Exception {
    return PemFiles.certificates(pem).get(0).getSerialNumber().toString(16);
  }

  private Path copy(Path from, String name) throws Exception {
    return Files.copy(from, dir.resolve(name));
  }

  /** Replaces {@code target} atomically, as a deployment tool would. */
  private void replace(Path source, Path target) throws Exception {
    Path tmp = Files.copy(source, target.resolveSibling(target.getFileName() + ".new"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Accepts any server certificate and remembers the leaf: the test looks, not trusts. */
  private static final class Recording extends X509ExtendedTrustManager {
    private final AtomicReference<X509Certificate> seen;

    Recording(AtomicReference<X509Certificate> seen) {
      this.seen = seen;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {
      seen.set(chain[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {
      seen.set(chain[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      seen.set(chain[0]);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
