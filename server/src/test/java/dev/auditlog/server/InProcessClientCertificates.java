package dev.auditlog.server;

import io.grpc.Attributes;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.Principal;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * For unit tests over grpc-java's in-process transport, which has no TLS: a call names the
 * dev certificate it presents in the header {@value #HEADER} ({@code certs-dev/<name>.pem}),
 * and this interceptor, installed on the server builder so that it runs before the server's
 * own interceptors, gives the call an SSL session whose peer chain is that certificate. The
 * server then authenticates and authorizes it with its production code, as it would over
 * mutual TLS; the TLS handshake itself is what only the mutual-TLS tests cover.
 */
public final class InProcessClientCertificates implements ServerInterceptor {
  /** The header that names the client certificate. */
  public static final String HEADER = "x-test-client-certificate";
  static final Metadata.Key<String> KEY = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private final ConcurrentMap<String, X509Certificate> certificates = new ConcurrentHashMap<>();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String name = headers.get(KEY);
    if (name == null) {
      return next.startCall(call, headers); // no certificate: as a connection without TLS
    }
    X509Certificate cert;
    try {
      cert = certificates.computeIfAbsent(name, InProcessClientCertificates::read);
    } catch (IllegalArgumentException e) {
      call.close(Status.INTERNAL.withDescription(e.getMessage()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Attributes attributes = call.getAttributes().toBuilder()
        .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, new PeerSession(cert)).build();
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public Attributes getAttributes() {
        return attributes;
      }
    }, headers);
  }

  private static X509Certificate read(String name) {
    try (InputStream in = Files.newInputStream(TestCerts.pem(name))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException("no dev certificate " + name + ": " + e, e);
    }
  }

  /** An SSL session that only knows its peer's certificate. */
  private static final class PeerSession implements SSLSession {
    private final X509Certificate cert;

    PeerSession(X509Certificate cert) {
      this.cert = cert;
    }

    @Override
    public Certificate[] getPeerCertificates() {
      return new Certificate[] {cert};
    }

    @Override
    public Principal getPeerPrincipal() {
      return cert.getSubjectX500Principal();
    }

    @Override
    public byte[] getId() {
      return new byte[0];
    }

    @Override
    public SSLSessionContext getSessionContext() {
      return null;
    }

    @Override
    public long getCreationTime() {
      return 0;
    }

    @Override
    public long getLastAccessedTime() {
      return 0;
    }

    @Override
    public void invalidate() {}

    @Override
    public boolean isValid() {
      return true;
    }

    @Override
    public void putValue(String name, Object value) {}

    @Override
    public Object getValue(String name) {
      return null;
    }

    @Override
    public void removeValue(String name) {}

    @Override
    public String[] getValueNames() {
      return new String[0];
    }

    @Override
    public Certificate[] getLocalCertificates() {
      return null;
    }

    @Override
    @SuppressWarnings("removal")
    public javax.security.cert.X509Certificate[] getPeerCertificateChain()
        throws SSLPeerUnverifiedException {
      throw new SSLPeerUnverifiedException("not supported");
    }

    @Override
    public Principal getLocalPrincipal() {
      return null;
    }

    @Override
    public String getCipherSuite() {
      return "in-process";
    }

    @Override
    public String getProtocol() {
      return "in-process";
    }

    @Override
    public String getPeerHost() {
      return "in-process";
    }

    @Override
    public int getPeerPort() {
      return -1;
    }

    @Override
    public int getPacketBufferSize() {
      return 0;
    }

    @Override
    public int getApplicationBufferSize() {
      return 0;
    }
  }
}
