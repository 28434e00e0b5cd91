package dev.auditlog.server;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.PostgresAuditStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The real server on a loopback port with the dev certificates and mutual TLS, over a
 * {@link TestDatabase}; and channels to it presenting a chosen client certificate.
 */
public final class TestServer implements AutoCloseable {
  private final AuditServer server;
  private final AuditStore store;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private TestServer(AuditServer server, AuditStore store) {
    this.server = server;
    this.store = store;
  }

  /** Starts a server with the default policy (auth-backend appends, auditor lists). */
  public static TestServer start(TestDatabase db) {
    return start(db, config(0));
  }

  public static TestServer start(TestDatabase db, ServerConfig config) {
    PostgresAuditStore store = db.store();
    try {
      return new TestServer(AuditServer.start(config, store), store);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a server over {@code store}, which {@link #close()} closes. */
  public static TestServer over(AuditStore store, ServerConfig config) {
    try {
      return new TestServer(AuditServer.start(config, store), store);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }


  /** The checkpoint signing key for tests only, from docs/test-vectors (its private key is public). */
  public static final Path SIGNING_KEY =
      TestCerts.DIR.resolveSibling("docs/test-vectors/checkpoint-test-key.pem");
  /**
   * A copy of {@link #SIGNING_KEY} that only its owner may read and write, as the server
   * requires of a key file (git keeps no such mode).
   */
  public static final Path PRIVATE_SIGNING_KEY = ownerOnlyCopy(SIGNING_KEY);
  /** The public key of {@link #SIGNING_KEY}. */
  public static final Path SIGNING_PUBLIC_KEY =
      TestCerts.DIR.resolveSibling("docs/test-vectors/checkpoint-test-key.pub.pem");

  /**
   * The configuration the tests run with: dev certificates, loopback, default limits, the
   * test signing key, and checkpoints every hour (tests ask for the ones they need).
   */
  public static ServerConfig config(int port) {
    return config(port, 20_000, ServerConfig.TransportLimits.DEFAULTS);
  }

  /** {@link #config(int)} with another queue capacity and other transport limits. */
  public static ServerConfig config(
      int port, int queueCapacity, ServerConfig.TransportLimits limits) {
    return config(port, queueCapacity, limits, TestCerts.pem("server"), TestCerts.key("server"),
        TestCerts.pem("ca"), null);
  }

  /** {@link #config(int)} with these TLS files; {@code crl} may be null. */
  public static ServerConfig config(Path cert, Path key, Path ca, Path crl) {
    return config(0, 20_000, ServerConfig.TransportLimits.DEFAULTS, cert, key, ca, crl);
  }

  private static ServerConfig config(int port, int queueCapacity,
      ServerConfig.TransportLimits limits, Path cert, Path key, Path ca, Path crl) {
    return ServerConfig.builder()
        .port(port)
        .tls(cert, key, ca).crl(crl)
        .dataDir(null)
        .database(new ServerConfig.DatabaseConfig("jdbc:postgresql://unused/", "w", null, "o",
            null, "audit"))
        .signingKey(PRIVATE_SIGNING_KEY)
        .queueCapacity(queueCapacity)
        .checkpointInterval(Duration.ofHours(1))
        .transport(limits)
        .build();
  }

  private static Path ownerOnlyCopy(Path key) {
    try {
      Path copy = Files.createTempDirectory("audit-test-key").resolve(key.getFileName());
      Files.copy(key, copy);
      Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
      copy.getParent().toFile().deleteOnExit(); // deleted after the file, registered after it
      copy.toFile().deleteOnExit();
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.port();
  }

  /** A channel presenting the client certificate {@code certs-dev/<client>.pem}. */
  public ManagedChannel channel(String client) {
    return channel(client, TestCerts.pem("ca"));
  }

  /** A channel presenting {@code client}'s certificate and trusting {@code ca}. */
  public ManagedChannel channel(String client, Path ca) {
    try {
      SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(ca.toFile());
      if (client != null) {
        ssl.keyManager(TestCerts.pem(client).toFile(), TestCerts.key(client).toFile());
      }
      return track(NettyChannelBuilder.forAddress("localhost", port())
          .sslContext(ssl.build()).build());
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A channel presenting the certificate {@code pem} with its {@code key}. */
  public ManagedChannel channel(Path pem, Path key) {
    try {
      return track(NettyChannelBuilder.forAddress("localhost", port())
          .sslContext(GrpcSslContexts.forClient().trustManager(TestCerts.pem("ca").toFile())
              .keyManager(pem.toFile(), key.toFile()).build())
          .build());
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A blocking stub for {@code client} with a 30 s deadline. */
  public AuditLogGrpc.AuditLogBlockingStub stub(String client) {
    return AuditLogGrpc.newBlockingStub(channel(client)).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Client TLS context for {@code client}, e.g. for raw socket tests. */
  public static SslContext clientContext(String client) throws SSLException {
    return GrpcSslContexts.forClient().trustManager(TestCerts.pem("ca").toFile())
        .keyManager(TestCerts.pem(client).toFile(), TestCerts.key(client).toFile()).build();
  }

  private ManagedChannel track(ManagedChannel channel) {
    synchronized (channels) {
      channels.add(channel);
    }
    return channel;
  }

  @Override
  public void close() {
    synchronized (channels) {
      channels.forEach(ManagedChannel::shutdownNow);
    }
    server.close();
    store.close();
  }
}
