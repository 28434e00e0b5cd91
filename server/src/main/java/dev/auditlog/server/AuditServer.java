package dev.auditlog.server;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.ServerConfig.TransportLimits;
import dev.auditlog.server.grpc.AuditLogService;
import dev.auditlog.server.grpc.FailFastInterceptor;
import dev.auditlog.server.grpc.MalformedRequests;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.Sequencer;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.tls.AccessPolicy;
import dev.auditlog.server.tls.AuthInterceptor;
import dev.auditlog.server.tls.HandshakeLog;
import dev.auditlog.server.tls.TlsCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gRPC server: mutual TLS, the auth interceptor, the audit log service, health
 * and reflection, over a store the caller owns; and the checkpointer that signs the log's
 * head on an interval. {@link #close()} stops taking calls, lets running ones finish, and
 * commits every append already queued.
 */
public final class AuditServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditServer.class);

  private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
  private static final String SERVICE = "audit.v1.AuditLog";

  private final Server server;
  private final Sequencer sequencer;
  private final ThreadPoolExecutor blocking;
  private final ThreadPoolExecutor exports;
  private final Checkpointer checkpointer;
  private final HealthStatusManager health;
  private final StoreProbe probe;
  private final HandshakeLog handshakes;

  private AuditServer(Server server, Sequencer sequencer, ThreadPoolExecutor blocking,
      ThreadPoolExecutor exports, Checkpointer checkpointer, HealthStatusManager health,
      StoreProbe probe, HandshakeLog handshakes) {
    this.server = server;
    this.sequencer = sequencer;
    this.blocking = blocking;
    this.exports = exports;
    this.checkpointer = checkpointer;
    this.health = health;
    this.probe = probe;
    this.handshakes = handshakes;
  }

  /**
   * Starts serving {@code store} as {@code config} says, with the signing key it names, else
   * the one in the data directory, generated there only while the log has no checkpoint.
   *
   * @throws IOException if the port cannot be bound, the TLS or key files cannot be read, a
   *     key file may be used by group or others, or the data directory's key is missing
   *     while the log holds checkpoints (signed with it)
   */
  public static AuditServer start(ServerConfig config, AuditStore store) throws IOException {
    return start(config, store, signingKey(config, store));
  }

  private static SigningKey signingKey(ServerConfig config, AuditStore store)
      throws IOException {
    ServerConfig.Storage storage = config.storage();
    if (storage.signingKeyFile() != null) {
      return SigningKey.read(storage.signingKeyFile());
    }
    Path file = SigningKey.defaultFile(storage.dataDir());
    if (Files.exists(file)) {
      return SigningKey.read(file);
    }
    String logId = config.appends().logId();
    Optional<Checkpoint> latest;
    try {
      latest = store.latestCheckpoint(logId);
    } catch (StoreException e) {
      throw new IOException("reading the latest checkpoint of log '" + logId + "' failed", e);
    }
    if (latest.isPresent()) {
      // A new key would sign checkpoints that no verifier holding the old one accepts.
      throw new IOException("the signing key " + file + " is missing, but log '" + logId
          + "' holds checkpoints signed with key " + latest.get().getKeyId() + ": restore the"
          + " key file (mode 600), or configure the key with --signing-key");
    }
    return SigningKey.generate(storage.dataDir());
  }

  /**
   * Starts serving {@code store} as {@code config} says, signing checkpoints with {@code
   * key}.
   *
   * @throws IOException if the port cannot be bound or the TLS files cannot be read
   */
  public static AuditServer start(ServerConfig config, AuditStore store, SigningKey key)
      throws IOException {
    ServerConfig.Appends appends = config.appends();
    Sequencer sequencer = new Sequencer(store, appends.logId(), appends.maxGroupSize(),
        appends.queueCapacity()).start();
    ThreadPoolExecutor blocking = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), r -> new Thread(r, "audit-blocking"));
    // An export holds a thread while its client reads; a few run at once, a few wait.
    ThreadPoolExecutor exports = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(4), r -> new Thread(r, "audit-export"));
    Checkpointer checkpointer =
        new Checkpointer(store, appends.logId(), key).start(appends.checkpointInterval());
    HealthStatusManager health = new HealthStatusManager();
    StoreProbe probe = new StoreProbe(store, up -> setServing(health, up));
    AuditLogService service = new AuditLogService(sequencer, store, appends.logId(), blocking,
        appends.maxBatchSize(), checkpointer, exports);
    AuthInterceptor auth =
        new AuthInterceptor(new AccessPolicy(config.access().appenders(),
            config.access().readers()));
    FailFastInterceptor failFast = new FailFastInterceptor(probe::available);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.port()));
    HandshakeLog handshakes = HandshakeLog.install(builder);
    Server server;
    try {
      server = limited(builder
          .sslContext(TlsCredentials.serverContext(config.tls().certFile(),
              config.tls().keyFile(), config.tls().trustedCaFile(), config.tls().crlFile(),
              config.tls().protocols()))
          // Handlers never block (appends complete from the sequencer, List runs on its own
          // executor), so they run on the network threads and save two hand-offs per call.
          .directExecutor()
          .maxInboundMessageSize(appends.maxMessageBytes()), config.transport())
          .addService(MalformedRequests.guard(
              ServerInterceptors.intercept(service, failFast, auth)))
          .addService(ServerInterceptors.intercept(health.getHealthService(), auth))
          .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), auth))
          .build()
          .start();
    } catch (IOException e) {
      stopAll(probe, checkpointer, sequencer, blocking, exports, handshakes);
      throw bindFailure(e, config);
    } catch (RuntimeException e) {
      stopAll(probe, checkpointer, sequencer, blocking, exports, handshakes);
      throw e;
    }
    setServing(health, true);
    probe.start(PROBE_INTERVAL);
    log.info("audit server listening on {}:{} (TLS provider {}, protocols {}, client certificate"
            + " required)", config.bindAddress(), server.getPort(),
        TlsCredentials.providerVersion(), config.tls().protocols());
    log.info("checkpoints of log '{}' every {} s, signed with Ed25519 key {}", appends.logId(),
        appends.checkpointInterval().toSeconds(), key.keyId());
    return new AuditServer(
        server, sequencer, blocking, exports, checkpointer, health, probe, handshakes);
  }

  private static void stopAll(StoreProbe probe, Checkpointer checkpointer, Sequencer sequencer,
      ThreadPoolExecutor blocking, ThreadPoolExecutor exports, HandshakeLog handshakes) {
    probe.close();
    checkpointer.close();
    sequencer.close();
    blocking.shutdownNow();
    exports.shutdownNow();
    handshakes.close();
  }

  /** Says which address could not be bound and what to do; other failures pass unchanged. */
  private static IOException bindFailure(IOException e, ServerConfig config) {
    if (!String.valueOf(e.getMessage()).contains("bind")) {
      return e;
    }
    return new IOException(config.bindAddress() + ":" + config.port() + " is in use or may"
        + " not be bound: stop the other process, or choose another --port or --bind", e);
  }

  private static NettyServerBuilder limited(NettyServerBuilder b, TransportLimits limits) {
    b.maxInboundMetadataSize(limits.maxMetadataBytes())
        .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
        .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    if (!limits.maxConnectionAge().isZero()) {
      b.maxConnectionAge(limits.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionAgeGrace(limits.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS);
    }
    return b;
  }

  private static void setServing(HealthStatusManager health, boolean up) {
    ServingStatus status = up ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus("", status);
    health.setStatus(SERVICE, status);
  }

  /** The port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /** Stops taking calls, finishes running ones (up to 20 s), and drains the append queue. */
  @Override
  public void close() {
    probe.close();
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(20, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    checkpointer.close();
    sequencer.close();
    blocking.shutdown();
    exports.shutdownNow();
    handshakes.close();
    log.info("audit server stopped");
  }
}
