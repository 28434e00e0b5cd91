package dev.auditlog.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

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

  /**
   * One channel over several servers ({@code host:port} each), calls spread round robin over
   * those that are reachable; a call that fails UNAVAILABLE on one is retried, by the retry
   * policy, on another. A list of one is {@link #mutualTls(String, Path, Path, Path)}.
   *
   * @throws IllegalArgumentException naming a target that is not {@code host:port}
   */
  @SuppressWarnings("deprecation") // nameResolverFactory: see below
  static ManagedChannel mutualTls(List<String> targets, Path certificate, Path key,
      Path trustedCa) throws IOException {
    List<TargetListResolver.Target> parsed =
        targets.stream().map(TargetListResolver.Target::parse).collect(Collectors.toList());
    if (parsed.size() == 1) {
      return mutualTls(parsed.get(0).authority(), certificate, key, trustedCa);
    }
    String names = parsed.stream().map(TargetListResolver.Target::authority)
        .collect(Collectors.joining(","));
    // The resolver serves this channel only. gRPC would rather have it registered for the
    // whole process (NameResolverRegistry), where any channel could resolve the scheme.
    return NettyChannelBuilder.forTarget(TargetListResolver.SCHEME + ":///"
            + URLEncoder.encode(names, StandardCharsets.UTF_8))
        .nameResolverFactory(new TargetListResolver.Factory(parsed))
        .defaultLoadBalancingPolicy("round_robin")
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
