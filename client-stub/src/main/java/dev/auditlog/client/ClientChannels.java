package dev.auditlog.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Channels to the audit server over mutual TLS, with the client's retry policy. */
final class ClientChannels {
  private ClientChannels() {}

  static ManagedChannel mutualTls(String target, Path certificate, Path key, Path trustedCa)
      throws IOException {
    return NettyChannelBuilder.forTarget(target)
        .sslContext(sslContext(certificate, key, trustedCa))
        .defaultServiceConfig(RetryPolicy.serviceConfig())
        .enableRetry()
        .build();
  }

  /** TLS 1.3 with BoringSSL (bundled in grpc-netty-shaded), as the server requires. */
  static SslContext sslContext(Path certificate, Path key, Path trustedCa) throws IOException {
    readable("certificate", certificate);
    readable("key", key);
    readable("CA", trustedCa);
    try {
      return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.OPENSSL)
          .keyManager(certificate.toFile(), key.toFile())
          .trustManager(trustedCa.toFile())
          .protocols("TLSv1.3")
          .build();
    } catch (IllegalArgumentException e) {
      // Netty says "File does not contain valid certificates" and the like.
      throw new IOException("cannot use " + certificate + ", " + key + " and " + trustedCa
          + ": " + e.getMessage(), e);
    }
  }

  private static void readable(String what, Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException(what + " file " + file + " is not readable");
    }
  }
}
