package dev.auditlog.server.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The server's TLS setup: netty-tcnative's BoringSSL (bundled in grpc-netty-shaded) as the
 * provider, the configured protocol versions, and a client certificate REQUIRED and checked
 * against the trusted CA (chain and validity dates) before any call reaches a handler.
 *
 * <p>There is no fallback to the JDK's TLS: if BoringSSL cannot be loaded, building the
 * context fails and the server does not start.
 */
public final class TlsCredentials {
  private TlsCredentials() {}

  /** What the TLS provider reports of itself, e.g. {@code BoringSSL}. */
  public static String providerVersion() {
    return OpenSsl.versionString();
  }

  /**
   * Builds the server context. The certificate and key files, and the CA and CRL files of
   * {@code trust}, are read again when they change on disk, for new connections (see {@link
   * ReloadingKeyManager} and {@link ReloadingTrustManager}).
   *
   * @param trust the CAs (and CRLs) client certificates are checked against
   * @throws IllegalStateException if BoringSSL is unavailable
   * @throws IOException if a file is missing or unreadable, or does not hold what it should
   */
  public static SslContext serverContext(Path cert, Path key, ClientTrust trust,
      List<String> protocols) throws IOException {
    if (!OpenSsl.isAvailable()) {
      throw new IllegalStateException(
          "BoringSSL (netty-tcnative) is not available; refusing to fall back to JDK TLS",
          OpenSsl.unavailabilityCause());
    }
    requireReadable("certificate", cert);
    requireReadable("private key", key);
    SslContextBuilder builder =
        GrpcSslContexts.configure(
            SslContextBuilder.forServer(new ReloadingKeyManager(cert, key)), SslProvider.OPENSSL);
    return builder
        .trustManager(trust.trustManager())
        .clientAuth(ClientAuth.REQUIRE)
        .protocols(protocols.toArray(String[]::new))
        .build();
  }

  /**
   * A JDK TLS context with the same certificate, key and client trust as {@link
   * #serverContext}, reloaded the same way, for endpoints outside gRPC (the tlog-tiles
   * paths); the caller requires client certificates on its sockets.
   *
   * @throws IOException if a file is missing or unreadable, or does not hold what it should
   */
  public static SSLContext jdkServerContext(Path cert, Path key, ClientTrust trust)
      throws IOException {
    requireReadable("certificate", cert);
    requireReadable("private key", key);
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new ReloadingKeyManager(cert, key)},
          new TrustManager[] {trust.trustManager()}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("building the JDK TLS context failed: " + e.getMessage(), e);
    }
  }

  private static void requireReadable(String what, Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException(what + " file not found or unreadable: " + file.toAbsolutePath());
    }
  }
}
