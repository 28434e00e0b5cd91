package dev.auditlog.server;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.ServerConfig.TransportLimits;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.forward.Forwarding;
import dev.auditlog.server.forward.ForwardingConfig;
import dev.auditlog.server.grpc.AuditLogService;
import dev.auditlog.server.grpc.FailFastInterceptor;
import dev.auditlog.server.grpc.MalformedRequests;
import dev.auditlog.server.http.TileServer;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.Sequencer;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.tls.AccessPolicy;
import dev.auditlog.server.tls.AuthInterceptor;
import dev.auditlog.server.tls.CallLog;
import dev.auditlog.server.tls.CallerCheck;
import dev.auditlog.server.tls.ClientTrust;
import dev.auditlog.server.tls.DevPki;
import dev.auditlog.server.tls.HandshakeLog;
import dev.auditlog.server.tls.TlsCredentials;
import dev.auditlog.server.witness.WitnessConfig;
import dev.auditlog.server.witness.Witnessing;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
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
  private final Components components;
  private final AutoCloseable transportExtras;
  private final TileServer tiles;

  private AuditServer(Server server, Components components, AutoCloseable transportExtras,
      TileServer tiles) {
    this.server = server;
    this.components = components;
    this.transportExtras = transportExtras;
    this.tiles = tiles;
  }

  /**
   * Starts serving {@code store} as {@code config} says, with the signing key it names, else
   * the one in the data directory, generated there only while the log has no checkpoint. If
   * the append pipeline fails, health turns NOT_SERVING for good and the failure is logged;
   * the process goes on.
   *
   * @throws IOException if the port cannot be bound, the TLS or key files cannot be read, a
   *     key file may be used by group or others, or the data directory's key is missing
   *     while the log holds checkpoints (signed with it)
   */
  public static AuditServer start(ServerConfig config, AuditStore store) throws IOException {
    return start(config, store, failure -> {});
  }

  /**
   * The configured key; else the one in the data directory; else, only while the log holds
   * no checkpoint at all, a new one generated there.
   */
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
    List<Checkpoint> stored;
    try {
      stored = store.latestCheckpoints(logId, null, 1);
    } catch (StoreException e) {
      throw new IOException("reading the latest checkpoint of log '" + logId + "' failed", e);
    }
    if (!stored.isEmpty()) {
      // A new key would sign checkpoints that no verifier holding the old one accepts.
      throw new IOException("the signing key " + file + " is missing, but log '" + logId
          + "' holds checkpoints signed with key " + stored.get(0).getKeyId() + ": restore the"
          + " key file (mode 600), or configure the key with --signing-key");
    }
    return SigningKey.generate(storage.dataDir());
  }

  /**
   * Like {@link #start(ServerConfig, AuditStore)}; {@code onFatal} is called, after health
   * turned NOT_SERVING and every waiting append was answered, when the append pipeline
   * failed (an {@link OutOfMemoryError}, a bug). The command line's handler stops the
   * process, so that a supervisor restarts it.
   */
  public static AuditServer start(ServerConfig config, AuditStore store,
      Consumer<Throwable> onFatal) throws IOException {
    return start(config, store, onFatal, AuditMetrics.inMemory());
  }

  /**
   * Like {@link #start(ServerConfig, AuditStore, Consumer)}, recording into {@code metrics}
   * (which no other server may use).
   */
  public static AuditServer start(ServerConfig config, AuditStore store,
      Consumer<Throwable> onFatal, AuditMetrics metrics) throws IOException {
    ClientTrust trust = clientTrust(config);
    String devPki = devPki(config, trust);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.port()));
    HandshakeLog handshakes = HandshakeLog.install(builder, metrics);
    AuditServer server;
    try {
      limited(builder.sslContext(TlsCredentials.serverContext(config.tls().certFile(),
              config.tls().keyFile(), trust, config.tls().protocols())), config.transport());
      server = serve(config, store, onFatal, trust, builder, handshakes, metrics);
    } catch (IOException e) {
      handshakes.close();
      throw bindFailure(e, config);
    } catch (RuntimeException e) {
      handshakes.close();
      throw e;
    }
    if (devPki != null) {
      log.warn("{}", devPki);
    }
    log.info("audit server listening on {}:{} (TLS provider {}, protocols {}, client certificate"
            + " required)", config.bindAddress(), server.port(),
        TlsCredentials.providerVersion(), config.tls().protocols());
    return server;
  }

  /**
   * Serves on a transport the caller built, such as grpc-java's in-process one for unit
   * tests, with everything else as {@link #start(ServerConfig, AuditStore, Consumer)} sets
   * it up. Callers are authenticated as over TLS, by the certificate chain of the call's
   * {@code Grpc.TRANSPORT_ATTR_SSL_SESSION}: the builder must supply one (a transport
   * without TLS makes every call UNAUTHENTICATED).
   */
  public static AuditServer start(ServerConfig config, AuditStore store,
      Consumer<Throwable> onFatal, ServerBuilder<?> builder) throws IOException {
    return start(config, store, onFatal, builder, AuditMetrics.inMemory());
  }

  /** Like {@link #start(ServerConfig, AuditStore, Consumer, ServerBuilder)}, with metrics. */
  public static AuditServer start(ServerConfig config, AuditStore store,
      Consumer<Throwable> onFatal, ServerBuilder<?> builder, AuditMetrics metrics)
      throws IOException {
    return serve(config, store, onFatal, clientTrust(config), builder, () -> {}, metrics);
  }

  private static AuditServer serve(ServerConfig config, AuditStore store,
      Consumer<Throwable> onFatal, ClientTrust trust, ServerBuilder<?> builder,
      AutoCloseable transportExtras, AuditMetrics metrics) throws IOException {
    SigningKey key = signingKey(config, store);
    Components c = new Components(config, store, key, onFatal, metrics);
    AuthInterceptor auth = new AuthInterceptor(
        new AccessPolicy(config.access().appenders(), config.access().readers(),
            config.access().admins()), trust,
        config.access().identityFromCn(), metrics);
    FailFastInterceptor failFast = new FailFastInterceptor(c.probe::available, metrics);
    Server server;
    try {
      // Handlers never block (appends complete from the sequencer, List runs on its own
      // executor), so they run on the network threads and save two hand-offs per call.
      server = builder.directExecutor()
          .maxInboundMessageSize(config.appends().maxMessageBytes())
          .addStreamTracerFactory(metrics.grpcServer())
          .addService(MalformedRequests.guard(
              ServerInterceptors.intercept(c.service, failFast, new CallLog(), auth), metrics))
          .addService(ServerInterceptors.intercept(c.health.getHealthService(), auth))
          .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), auth))
          .build()
          .start();
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    TileServer tiles;
    try {
      tiles = tileServer(config, trust, c);
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      c.close();
      throw e;
    }
    c.setServing(true);
    c.probe.start(PROBE_INTERVAL);
    String origin = config.checkpoints().originOf(config.appends().logId());
    log.info("checkpoints of log '{}' every {} s, signed with Ed25519 key {}; notes of origin"
        + " '{}', verifier key {}", config.appends().logId(),
        config.checkpoints().interval().toSeconds(), key.keyId(), origin,
        key.verifierKey(origin));
    return new AuditServer(server, c, transportExtras, tiles);
  }

  /** The tlog-tiles endpoint, when a port is configured for it; else null. */
  private static TileServer tileServer(ServerConfig config, ClientTrust trust, Components c)
      throws IOException {
    if (config.tilesPort() == null) {
      return null;
    }
    TileServer tiles = TileServer.start(
        new InetSocketAddress(config.bindAddress(), config.tilesPort()),
        TlsCredentials.jdkServerContext(config.tls().certFile(), config.tls().keyFile(), trust),
        config.tls().protocols(), config.appends().logId(), c.checkpointer,
        c.store.tiles(), new CallerCheck(new AccessPolicy(config.access().appenders(),
            config.access().readers(), config.access().admins()), trust,
            config.access().identityFromCn()));
    log.info("tlog-tiles of log '{}' on https://{}:{}/{}/ (client certificate required)",
        config.appends().logId(), config.bindAddress(), tiles.port(),
        config.appends().logId());
    return tiles;
  }

  /** The port of the tlog-tiles endpoint, or -1 when it is off. */
  public int tilesPort() {
    return tiles == null ? -1 : tiles.port();
  }

  /** What serves the log behind the transport; closed in the order it must stop. */
  private static final class Components implements AutoCloseable {
    // How far the Merkle tree may fall behind the head between checkpoints.
    static final Duration TREE_INTEGRATION = Duration.ofMillis(200);

    final HealthStatusManager health = new HealthStatusManager();
    final Sequencer sequencer;
    final ThreadPoolExecutor blocking = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), r -> new Thread(r, "audit-blocking"));
    // An export holds a thread while its client reads; a few run at once, a few wait.
    final ThreadPoolExecutor exports = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(4), r -> new Thread(r, "audit-export"));
    final Checkpointer checkpointer;
    final StoreProbe probe;
    final Forwarding forwarding;
    final Witnessing witnessing;
    final AuditLogService service;
    final AuditStore store;
    final AuditMetrics metrics;
    private volatile boolean stopped;

    Components(ServerConfig config, AuditStore store, SigningKey key,
        Consumer<Throwable> onFatal, AuditMetrics metrics) throws IOException {
      this.store = store;
      this.metrics = metrics;
      // Read first: a wrong key refuses the start before any thread runs.
      ForwardingConfig forwardingConfig = config.forwardingConfig() == null ? null
          : ForwardingConfig.read(config.forwardingConfig(), System::getenv);
      WitnessConfig witnessConfig = config.witnessConfig() == null ? WitnessConfig.NONE
          : WitnessConfig.read(config.witnessConfig());
      ServerConfig.Appends appends = config.appends();
      sequencer = new Sequencer(store, appends.logId(),
          new Sequencer.Limits(appends.maxGroupSize(), appends.maxGroupBytes(),
              appends.queueCapacity(), appends.queueBytes()),
          failure -> {
            stopServing();
            onFatal.accept(failure);
          }, metrics).start();
      checkpointer = new Checkpointer(store, appends.logId(), key,
          config.checkpoints().originOf(appends.logId()),
          earlierKeys(config.storage().earlierCheckpointKeys()), metrics);
      witnessing = new Witnessing(appends.logId(), witnessConfig, store.cosignatures(),
          checkpointer.tree());
      checkpointer.witnessedBy(witnessing)
          .start(config.checkpoints().interval(), TREE_INTEGRATION);
      probe = new StoreProbe(store, this::setServing);
      forwarding = forwardingConfig == null ? null : Forwarding.start(forwardingConfig,
          store.forwarding(), appends.logId(), checkpointer::trusts);
      service = new AuditLogService(sequencer, store, appends.logId(), blocking,
          appends.maxBatchSize(), checkpointer, exports,
          config.transport().exportStallTimeout(), forwarding, metrics);
      metrics.store(probe::available);
      if (forwarding != null) {
        metrics.forwarding(forwarding::status);
      }
    }

    void setServing(boolean up) {
      if (stopped) {
        return; // health ignores it too, once in its terminal state
      }
      ServingStatus status = up ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.setStatus("", status);
      health.setStatus(SERVICE, status);
      metrics.serving(up);
    }

    /** NOT_SERVING for good: the server is stopping, or its pipeline failed. */
    void stopServing() {
      stopped = true;
      health.enterTerminalState();
      metrics.serving(false);
    }

    /** After the transport stopped: no more checkpoints, the queue drained, threads ended. */
    @Override
    public void close() {
      probe.close();
      if (forwarding != null) {
        forwarding.close();
      }
      checkpointer.close();
      witnessing.close();
      sequencer.close();
      blocking.shutdown();
      exports.shutdownNow();
    }
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

  /** The port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /** Stops taking calls, finishes running ones (up to 20 s), and drains the append queue. */
  @Override
  public void close() {
    components.probe.close();
    components.stopServing();
    server.shutdown();
    try {
      if (!server.awaitTermination(20, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    if (tiles != null) {
      tiles.close();
    }
    components.close();
    try {
      transportExtras.close();
    } catch (Exception e) {
      log.warn("closing the transport failed: {}", e.toString());
    }
    log.info("audit server stopped");
  }
}
