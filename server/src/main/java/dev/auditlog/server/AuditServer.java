package dev.auditlog.server;

import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.ServerConfig.TransportLimits;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.grpc.AuditLogService;
import dev.auditlog.server.grpc.FailFastInterceptor;
import dev.auditlog.server.grpc.MalformedRequests;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.Sequencer;
import dev.auditlog.server.tls.AccessPolicy;
import dev.auditlog.server.tls.AuthInterceptor;
import dev.auditlog.server.tls.ClientTrust;
import dev.auditlog.server.tls.DevPki;
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
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
   * Starts serving {@code store} as {@code config} says, with the signing key it names
   * (generated in the data directory when none is configured). If the append pipeline
   * fails, health turns NOT_SERVING for good and the failure is logged; the process goes on.
   *
   * @throws IOException if the port cannot be bound or the TLS or key files cannot be read
   */
  public static AuditServer start(ServerConfig config, AuditStore store) throws IOException {
    return start(config, store, failure -> {});
  }

  /**
   * Like {@link #start(ServerConfig, AuditStore)}; {@code onFatal} is called, after health
   * turned NOT_SERVING and every waiting append was answered, when the append pipeline
   * failed (an {@link OutOfMemoryError}, a bug). The command line's handler stops the
   * process, so that a supervisor restarts it.
   */
  public static AuditServer start(ServerConfig config, AuditStore store,
      Consumer<Throwable> onFatal) throws IOException {
    ClientTrust trust = clientTrust(config);
    String devPki = devPki(config, trust);
    SigningKey key = SigningKey.readOrGenerate(config.storage().signingKeyFile(),
        config.storage().dataDir());
    ServerConfig.Appends appends = config.appends();
    HealthStatusManager health = new HealthStatusManager();
    Sequencer sequencer = new Sequencer(store, appends.logId(),
        new Sequencer.Limits(appends.maxGroupSize(), appends.maxGroupBytes(),
            appends.queueCapacity(), appends.queueBytes()),
        failure -> {
          health.enterTerminalState();
          onFatal.accept(failure);
        }).start();
    ThreadPoolExecutor blocking = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), r -> new Thread(r, "audit-blocking"));
    // An export holds a thread while its client reads; a few run at once, a few wait.
    ThreadPoolExecutor exports = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(4), r -> new Thread(r, "audit-export"));
    Checkpointer checkpointer = new Checkpointer(store, appends.logId(), key,
        earlierKeys(config.storage().earlierCheckpointKeys()))
        .start(appends.checkpointInterval());
    StoreProbe probe = new StoreProbe(store, up -> setServing(health, up));
    AuditLogService service = new AuditLogService(sequencer, store, appends.logId(), blocking,
        appends.maxBatchSize(), checkpointer, exports, config.transport().exportStallTimeout());
    AuthInterceptor auth = new AuthInterceptor(
        new AccessPolicy(config.access().appenders(), config.access().readers()), trust,
        config.access().identityFromCn());
    FailFastInterceptor failFast = new FailFastInterceptor(probe::available);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.port()));
    HandshakeLog handshakes = HandshakeLog.install(builder);
    Server server;
    try {
      server = limited(builder
          .sslContext(TlsCredentials.serverContext(config.tls().certFile(),
              config.tls().keyFile(), trust, config.tls().protocols()))
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
    if (devPki != null) {
      log.warn("{}", devPki);
    }
    log.info("audit server listening on {}:{} (TLS provider {}, protocols {}, client certificate"
            + " required)", config.bindAddress(), server.getPort(),
        TlsCredentials.providerVersion(), config.tls().protocols());
    log.info("checkpoints of log '{}' every {} s, signed with Ed25519 key {}", appends.logId(),
        appends.checkpointInterval().toSeconds(), key.keyId());
    return new AuditServer(
        server, sequencer, blocking, exports, checkpointer, health, probe, handshakes);
  }

  private static List<PublicKey> earlierKeys(List<Path> files) throws IOException {
    List<PublicKey> keys = new ArrayList<>();
    for (Path file : files) {
      try {
        keys.add(Ed25519Keys.readPublicKey(file));
      } catch (GeneralSecurityException e) {
        throw new IOException("--earlier-checkpoint-keys: " + file
            + " is not an Ed25519 public key (PEM): " + e.getMessage(), e);
      }
    }
    return keys;
  }

  /**
   * Checks the trusted CAs, revocation lists and identity bindings, and where the
   * development PKI would be served, as {@link #start} does, without starting anything or
   * logging: so that a bad setup is refused before the database is opened.
   *
   * @throws IOException if a TLS file is missing or does not hold what it should
   * @throws IllegalArgumentException naming the flag when the identity bindings do not fit
   *     the trusted CAs
   * @throws IllegalStateException naming {@code --allow-dev-certificates} when the
   *     development PKI would be served beyond loopback
   */
  public static void checkCertificates(ServerConfig config) throws IOException {
    devPki(config, clientTrust(config));
  }

  /** The warning to log about the development PKI, or null; see {@link DevPki#check}. */
  private static String devPki(ServerConfig config, ClientTrust trust) throws IOException {
    return DevPki.check(config.tls().certFile(), trust, config.bindAddress(),
        config.tls().allowDevCertificates());
  }

  private static ClientTrust clientTrust(ServerConfig config) throws IOException {
    return ClientTrust.load(config.tls().trustedCaFile(), config.tls().crlFile(),
        config.access().identityIssuers(), config.access().identities());
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
