package dev.auditlog.server.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.Throwables;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mutual TLS and authorization over real sockets on loopback: untrusted clients are refused
 * in the TLS handshake, before any handler; trusted ones are authorized by identity; the
 * protocol is TLS 1.3.
 *
 * <p>The raw-socket tests use the JDK's TLS client so that they see the handshake itself,
 * and each refusal has a twin that shows the same client code succeeding with a good
 * certificate.
 */
class MutualTlsIT {
  /** The HTTP/2 connection preface followed by an empty SETTINGS frame. */
  private static final byte[] H2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0".getBytes(US_ASCII);
  private static final int H2_SETTINGS = 4;
  private static final String APPEND = "audit.v1.AuditLog/Append";

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private final List<Socket> sockets = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /**
   * Client certificates the server must refuse, with the TLS alerts it may refuse them with. A
   * foreign certificate that was never sent would show as certificate_required; netty reports a
   * failed PKIX path build as internal_error.
   */
  static Stream<Arguments> untrustedClients() {
    return Stream.of(
        Arguments.of(null, "certificate_required"),
        Arguments.of("other-ca-client", "unknown_ca|bad_certificate|certificate_unknown"
            + "|internal_error"),
        Arguments.of("expired", "certificate_expired"));
  }

  @AfterEach
  void closeOwnConnections() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @ParameterizedTest(name = "client certificate {0}")
  @MethodSource("untrustedClients")
  void append_untrustedClientCertificate_isUnavailableAndStoresNothing(
      String client, String alerts) throws Exception {
    AuditLogBlockingStub stub = AuditLogGrpc.newBlockingStub(channel(client))
        .withDeadlineAfter(30, TimeUnit.SECONDS);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.append(Events.request(Events.registrationFailure())));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
    assertCausedByAlert(alerts, e);
    assertEquals(0, server.db().countEntries());
  }

  @ParameterizedTest(name = "client certificate {0}")
  @MethodSource("untrustedClients")
  void handshake_untrustedClientCertificate_isRefusedByTheServer(String client, String alerts)
      throws Exception {
    SSLSocket socket = connect(client, TestCerts.pem("ca"), "TLSv1.3");

    IOException e = assertThrows(IOException.class, () -> firstFrameType(socket));

    // In TLS 1.3 the server checks the client certificate after the client considers the
    // handshake done; the client then reads the server's alert, or, when the server's close
    // overtakes it, a connection reset. Either way no HTTP/2 frame arrives.
    // Newer JDK 17 updates (17.0.21 here) name the alert in front as well: "(x) Received fatal
    // alert: x".
    if (e instanceof SSLException) {
      assertTrue(e.getMessage().matches("(\\((" + alerts + ")\\) )?Received fatal alert: ("
          + alerts + ")"), e.toString());
    } else {
      assertTrue(e instanceof java.net.SocketException, e.toString());
    }
  }

  @Test
  void handshake_trustedClientCertificate_reachesHttp2() throws Exception {
    SSLSocket socket = connect("auth-backend", TestCerts.pem("ca"), "TLSv1.3");

    assertEquals(H2_SETTINGS, firstFrameType(socket));
    assertEquals("h2", socket.getApplicationProtocol());
  }

  @Test
  void append_trustedClientCertificateSentRegardlessOfCaHints_isStored() throws Exception {
    AuditLogBlockingStub stub = AuditLogGrpc.newBlockingStub(channel("auth-backend"))
        .withDeadlineAfter(30, TimeUnit.SECONDS);

    stub.append(Events.request(Events.registrationFailure()));

    assertEquals(1, server.db().countEntries());
  }

  @Test
  void append_clientTrustingAnotherCa_isUnavailableAndStoresNothing() throws Exception {
    Channel channel = server.channel("auth-backend", TestCerts.pem("other-ca"));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> AuditLogGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .append(Events.request(Events.registrationFailure())));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(Throwables.getCausalChain(e).stream()
        .anyMatch(c -> c instanceof SSLHandshakeException), e.toString());
    assertEquals(0, server.db().countEntries());
  }

  @Test
  void handshake_clientTrustingAnotherCa_rejectsTheServerCertificate() throws Exception {
    SSLSocket socket = connect("auth-backend", TestCerts.pem("other-ca"), "TLSv1.3");

    SSLHandshakeException e = assertThrows(SSLHandshakeException.class, socket::startHandshake);

    assertTrue(e.getMessage().contains("PKIX path building failed"), e.toString());
  }

  @Test
  void append_asAuditor_isPermissionDeniedNamingTheIdentity() throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auditor").append(Events.request(Events.registrationFailure())));

    assertPermissionDenied("auditor", APPEND, e);
    assertEquals(0, server.db().countEntries());
  }

  @Test
  void appendBatch_asAuditor_isPermissionDenied() throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auditor").appendBatch(AppendBatchRequest.newBuilder()
            .addEvents(Events.registrationFailure()).build()));

    assertPermissionDenied("auditor", "audit.v1.AuditLog/AppendBatch", e);
    assertEquals(0, server.db().countEntries());
  }

  @Test
  void append_asIntruder_isPermissionDenied() throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("intruder").append(Events.request(Events.registrationFailure())));

    assertPermissionDenied("intruder", APPEND, e);
    assertEquals(0, server.db().countEntries());
  }

  @Test
  void list_asIntruder_isPermissionDenied() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("intruder").list(ListRequest.getDefaultInstance()));

    assertPermissionDenied("intruder", "audit.v1.AuditLog/List", e);
  }

  @Test
  void list_asAuthBackend_isPermissionDenied() throws Exception {
    server.stub("auth-backend").append(Events.request(Events.registrationFailure()));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> server.stub("auth-backend").list(ListRequest.getDefaultInstance()));

    assertPermissionDenied("auth-backend", "audit.v1.AuditLog/List", e);
    assertEquals(1, server.db().countEntries());
  }

  @Test
  void healthCheck_asIntruder_isServing() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(server.channel("intruder"))
        .withDeadlineAfter(30, TimeUnit.SECONDS);

    assertEquals(ServingStatus.SERVING,
        health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
    assertEquals(ServingStatus.SERVING, health.check(
        HealthCheckRequest.newBuilder().setService("audit.v1.AuditLog").build()).getStatus());
  }

  @Test
  void healthCheck_withoutClientCertificate_isUnavailable() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> HealthGrpc.newBlockingStub(server.channel(null, null, TestCerts.pem("ca")))
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
  }

  @Test
  void reflection_asIntruder_listsTheAuditLogService() throws Exception {
    ServerReflectionResponse response = reflect(server.channel("intruder"),
        ServerReflectionRequest.newBuilder().setListServices("").build());

    List<String> services = response.getListServicesResponse().getServiceList().stream()
        .map(ServiceResponse::getName).toList();
    assertTrue(services.contains("audit.v1.AuditLog"), services.toString());
    assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
  }

  @Test
  void handshake_clientOfferingTls12And13_negotiatesTls13() throws Exception {
    SSLSocket socket = connect("auth-backend", TestCerts.pem("ca"), "TLSv1.3", "TLSv1.2");

    socket.startHandshake();

    assertEquals("TLSv1.3", socket.getSession().getProtocol());
  }

  @Test
  void handshake_clientLimitedToTls12_isRefused() throws Exception {
    SSLSocket socket = connect("auth-backend", TestCerts.pem("ca"), "TLSv1.2");

    SSLHandshakeException e = assertThrows(SSLHandshakeException.class, socket::startHandshake);

    assertTrue(e.getMessage().contains("protocol_version"), e.toString());
  }

  /** Asserts that BoringSSL reported receiving one of {@code alerts} (a regex alternation). */
  private static void assertCausedByAlert(String alerts, Throwable e) {
    Pattern alert = Pattern.compile("ALERT_(" + alerts.toUpperCase(Locale.ROOT) + ")$");
    List<Throwable> causes = Throwables.getCausalChain(e);
    assertTrue(causes.stream().anyMatch(c -> c instanceof SSLException
        && alert.matcher(c.getMessage()).find()), causes.toString());
  }

  private static void assertPermissionDenied(
      String identity, String method, StatusRuntimeException e) {
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("identity '" + identity + "' may not call " + method,
        e.getStatus().getDescription());
  }

  /**
   * A JDK TLS socket to the server offering ALPN h2 and {@code protocols}, presenting {@code
   * client}'s certificate (none if null) whatever CAs the server asks for, trusting {@code ca}
   * and checking the server's name.
   */
  private SSLSocket connect(String client, Path ca, String... protocols)
      throws IOException, GeneralSecurityException {
    SslContextBuilder builder =
        SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(ca.toFile());
    if (client != null) {
      builder.keyManager(new InsistentKeyManager(client));
    }
    SSLContext context = ((JdkSslContext) builder.build()).context();
    SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port());
    sockets.add(socket);
    socket.setSoTimeout(10_000);
    SSLParameters params = socket.getSSLParameters();
    params.setProtocols(protocols);
    params.setApplicationProtocols(new String[] {"h2"});
    params.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(params);
    return socket;
  }

  /**
   * A gRPC channel (netty, BoringSSL) presenting {@code client}'s certificate (none if null)
   * whatever CAs the server asks for. {@link AuditServerExtension#channel} would not do for a
   * foreign certificate: its key manager finds no certificate matching the server's CA list and
   * sends none, so the server's own chain check would go untested.
   */
  private ManagedChannel channel(String client) throws IOException, GeneralSecurityException {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(TestCerts.pem("ca").toFile());
    if (client != null) {
      ssl.keyManager(new InsistentKeyManager(client));
    }
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("localhost", server.port()).sslContext(ssl.build()).build();
    channels.add(channel);
    return channel;
  }

  /**
   * Completes the handshake, sends the HTTP/2 preface and returns the type of the server's
   * first frame. With TLS 1.3 the client may finish its handshake before the server has
   * checked the client's certificate, so a refusal can first show on this read.
   */
  private static int firstFrameType(SSLSocket socket) throws IOException {
    socket.startHandshake();
    OutputStream out = socket.getOutputStream();
    out.write(H2_PREFACE);
    out.flush();
    byte[] header = socket.getInputStream().readNBytes(9);
    if (header.length < 9) {
      throw new EOFException("connection closed after " + header.length + " bytes");
    }
    return header[3];
  }

  private static ServerReflectionResponse reflect(Channel channel, ServerReflectionRequest request)
      throws Exception {
    CompletableFuture<ServerReflectionResponse> response = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            response.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            response.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            response.completeExceptionally(new EOFException("no reflection response"));
          }
        });
    requests.onNext(request);
    requests.onCompleted();
    return response.get(30, TimeUnit.SECONDS);
  }

  /**
   * Presents one client certificate whatever certificate authorities the server names, as a
   * careless or hostile client would; the JDK's and netty's own key managers send nothing when
   * no certificate matches the server's list.
   */
  private static final class InsistentKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";

    private final X509Certificate certificate;
    private final PrivateKey key;

    InsistentKeyManager(String client) throws IOException, GeneralSecurityException {
      try (InputStream in = Files.newInputStream(TestCerts.pem(client))) {
        certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(in);
      }
      String base64 = Files.readString(TestCerts.key(client))
          .replaceAll("-----[A-Z ]+-----|\\s", "");
      key = KeyFactory.getInstance("EC")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return Arrays.asList(keyTypes).contains(key.getAlgorithm()) ? ALIAS : null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine e) {
      return chooseClientAlias(keyTypes, issuers, null);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {ALIAS};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? new X509Certificate[] {certificate} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }
  }
}
