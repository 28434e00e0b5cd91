package dev.auditlog.server;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.ServerConfig.TransportLimits;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.forward.Forwarding;
import dev.auditlog.server.forward.ForwardingConfig;
import dev.auditlog.server.grpc.AuditLogService;
import dev.auditlog.server.grpc.MalformedRequests;
import dev.auditlog.server.grpc.ServedLog;
import dev.auditlog.server.grpc.ServedLogs;
import dev.auditlog.server.http.TileServer;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.store.AuditStore;
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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gRPC server: mutual TLS, the auth interceptor, the audit log service, health
 * and reflection, over stores the caller owns (one per database); and for each configured
 * log its own sequencer and the checkpointer that signs its head on an interval ({@link
 * LogRuntime}). Health has a service per log, {@code audit.v1.AuditLog/LOG}, NOT_SERVING
 * while that log's database is unreachable; the server's ({@code ""}) and {@code
 * audit.v1.AuditLog} follow the default log. {@link #close()} stops taking calls, lets
 * running ones finish, and commits every append already queued.
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
  private static SigningKey signingKey(ServerConfig config, Map<String, AuditStore> stores)
      throws IOException {
    ServerConfig.Storage storage = config.storage();
    if (storage.signingKeyFile() != null) {
      return SigningKey.read(storage.signingKeyFile());
    }
    Path file = SigningKey.defaultFile(storage.dataDir());
    if (Files.exists(file)) {
      return SigningKey.read(file);
    }
    for (Map.Entry<String, String> log : config.logs().entrySet()) {
      String logId = log.getKey();
      List<Checkpoint> stored;
      try {
        stored = stores.get(log.getValue()).latestCheckpoints(logId, null, 1);
      } catch (StoreException e) {
        throw new IOException("reading the latest checkpoint of log '" + logId + "' failed", e);
      }
      if (!stored.isEmpty()) {
        // A new key would sign checkpoints that no verifier holding the old one accepts.
        throw new IOException("the signing key " + file + " is missing, but log '" + logId
            + "' holds checkpoints signed with key " + stored.get(0).getKeyId() + ": restore"
            + " the key file (mode 600), or configure the key with --signing-key");
      }
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
    return start(config, defaultOnly(store), onFatal, metrics);
  }

  /**
   * Like {@link #start(ServerConfig, AuditStore, Consumer, AuditMetrics)}, over the store of
   * each database the configuration's logs live in, by its name ({@link
   * ServerConfig#DEFAULT_DATABASE} for the one of {@code --db-url}).
   *
   * @throws IllegalArgumentException if a database that holds a log has no store
   */
  public static AuditServer start(ServerConfig config, Map<String, AuditStore> stores,
      Consumer<Throwable> onFatal, AuditMetrics metrics) throws IOException {
    requireStores(config, stores);
    ClientTrust trust = clientTrust(config);
    String devPki = devPki(config, trust);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.bindAddress(), config.port()));
    HandshakeLog handshakes = HandshakeLog.install(builder, metrics);
    AuditServer server;
    try {
      limited(builder.sslContext(TlsCredentials.serverContext(config.tls().certFile(),
              config.tls().keyFile(), trust, config.tls().protocols())), config.transport());
      server = serve(config, stores, onFatal, trust, builder, handshakes, metrics);
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
    return start(config, defaultOnly(store), onFatal, builder, metrics);
  }

  /**
   * Like {@link #start(ServerConfig, AuditStore, Consumer, ServerBuilder, AuditMetrics)}, over
   * the store of each database by its name, as {@link #start(ServerConfig, Map, Consumer,
   * AuditMetrics)} takes them.
   */
  public static AuditServer start(ServerConfig config, Map<String, AuditStore> stores,
      Consumer<Throwable> onFatal, ServerBuilder<?> builder, AuditMetrics metrics)
      throws IOException {
    requireStores(config, stores);
    return serve(config, stores, onFatal, clientTrust(config), builder, () -> {}, metrics);
  }

  private static Map<String, AuditStore> defaultOnly(AuditStore store) {
    return Map.of(ServerConfig.DEFAULT_DATABASE, store);
  }

  private static void requireStores(ServerConfig config, Map<String, AuditStore> stores) {
    for (Map.Entry<String, String> log : config.logs().entrySet()) {
      if (stores.get(log.getValue()) == null) {
        throw new IllegalArgumentException("no store for database '" + log.getValue()
            + "' of log '" + log.getKey() + "'");
      }
    }
  }

  /** The access policy of {@code config}'s logs and grants. */
  static AccessPolicy accessPolicy(ServerConfig config) {
    ServerConfig.Access a = config.access();
    return new AccessPolicy(List.copyOf(config.logs().keySet()), a.appenders(), a.readers(),
        a.admins(), a.logAppenders(), a.logReaders());
  }

  private static AuditServer serve(ServerConfig config, Map<String, AuditStore> stores,
      Consumer<Throwable> onFatal, ClientTrust trust, ServerBuilder<?> builder,
      AutoCloseable transportExtras, AuditMetrics metrics) throws IOException {
    SigningKey key = signingKey(config, stores);
    Components c = new Components(config, stores, key, onFatal, metrics);
    AuthInterceptor auth = new AuthInterceptor(accessPolicy(config), trust,
        config.access().identityFromCn(), metrics);
    Server server;
    try {
      // Handlers never block (appends complete from the sequencer, List runs on its own
      // executor), so they run on the network threads and save two hand-offs per call.
      server = builder.directExecutor()
          .maxInboundMessageSize(config.appends().maxMessageBytes())
          .addStreamTracerFactory(metrics.grpcServer())
          .addService(MalformedRequests.guard(
              ServerInterceptors.intercept(c.service, new CallLog(), auth), metrics))
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
    c.serveAll();
    c.startProbes();
    for (Map.Entry<String, String> served : config.logs().entrySet()) {
      String origin = config.checkpoints().originOf(served.getKey());
      log.info("log '{}' in database '{}': checkpoints every {} s, signed with Ed25519 key {};"
          + " notes of origin '{}', verifier key {}", served.getKey(), served.getValue(),
          config.checkpoints().interval().toSeconds(), key.keyId(), origin,
          key.verifierKey(origin));
    }
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
        config.tls().protocols(), config.appends().logId(), c.defaultLog().checkpointer(),
        c.defaultLog().store().tiles(), new CallerCheck(accessPolicy(config), trust,
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

  /** What serves the logs behind the transport; closed in the order it must stop. */
  private static final class Components implements AutoCloseable {
    final HealthStatusManager health = new HealthStatusManager();
    final ThreadPoolExecutor blocking = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), r -> new Thread(r, "audit-blocking"));
    // An export holds a thread while its client reads; a few run at once, a few wait.
    final ThreadPoolExecutor exports = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(4), r -> new Thread(r, "audit-export"));
    /** Every log served, the default one first. */
    final List<LogRuntime> logs = new ArrayList<>();
    /** One probe per database that holds a log, by the database's name. */
    final Map<String, StoreProbe> probes = new LinkedHashMap<>();
    final Forwarding forwarding;
    final AuditLogService service;
    final AuditMetrics metrics;
    private volatile boolean stopped;

    Components(ServerConfig config, Map<String, AuditStore> stores, SigningKey key,
        Consumer<Throwable> onFatal, AuditMetrics metrics) throws IOException {
      this.metrics = metrics;
      // Read first: a wrong key refuses the start before any thread runs.
      ForwardingConfig forwardingConfig = config.forwardingConfig() == null ? null
          : ForwardingConfig.read(config.forwardingConfig(), System::getenv);
      WitnessConfig witnessConfig = config.witnessConfig() == null ? WitnessConfig.NONE
          : WitnessConfig.read(config.witnessConfig());
      List<PublicKey> earlier = earlierKeys(config.storage().earlierCheckpointKeys());
      Consumer<Throwable> fatal = failure -> {
        stopServing();
        onFatal.accept(failure);
      };
      for (Map.Entry<String, String> log : config.logs().entrySet()) {
        logs.add(LogRuntime.start(log.getKey(), log.getValue(), stores.get(log.getValue()),
            config, config.logs().size(), key, earlier, witnessConfig, fatal, metrics));
      }
      for (String database : new LinkedHashSet<>(config.logs().values())) {
        probes.put(database, new StoreProbe(database, stores.get(database),
            up -> setServing(database, up)));
      }
      LogRuntime main = logs.get(0);
      forwarding = forwardingConfig == null ? null : Forwarding.start(forwardingConfig,
          main.store().forwarding(), main.logId(), main.checkpointer()::trusts);
      List<ServedLog> served = new ArrayList<>();
      for (LogRuntime log : logs) {
        served.add(log.served(probes.get(log.database())::available));
      }
      service = new AuditLogService(new ServedLogs(served), blocking,
          config.appends().maxBatchSize(), exports, config.transport().exportStallTimeout(),
          forwarding, metrics);
      metrics.store(probes.get(main.database())::available);
      if (forwarding != null) {
        metrics.forwarding(forwarding::status);
      }
    }

    LogRuntime defaultLog() {
      return logs.get(0);
    }

    /** Every database's logs serving. */
    void serveAll() {
      probes.keySet().forEach(database -> setServing(database, true));
    }

    /**
     * The health of {@code database}'s logs, {@code audit.v1.AuditLog/LOG}; that of the
     * server ({@code ""}) and of {@code audit.v1.AuditLog} follows the default log's.
     */
    void setServing(String database, boolean up) {
      if (stopped) {
        return; // health ignores it too, once in its terminal state
      }
      ServingStatus status = up ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      for (LogRuntime log : logs) {
        if (log.database().equals(database)) {
          health.setStatus(SERVICE + "/" + log.logId(), status);
        }
      }
      if (database.equals(defaultLog().database())) {
        health.setStatus("", status);
        health.setStatus(SERVICE, status);
        metrics.serving(up);
      }
    }

    void startProbes() {
      probes.values().forEach(p -> p.start(PROBE_INTERVAL));
    }

    void closeProbes() {
      probes.values().forEach(StoreProbe::close);
    }

    /** NOT_SERVING for good: the server is stopping, or its pipeline failed. */
    void stopServing() {
      stopped = true;
      health.enterTerminalState();
      metrics.serving(false);
    }

    /** After the transport stopped: no more checkpoints, the queues drained, threads ended. */
    @Override
    public void close() {
      closeProbes();
      if (forwarding != null) {
        forwarding.close();
      }
      logs.forEach(LogRuntime::close);
      blocking.shutdown();
      exports.shutdownNow();
    }
  }

  /** Reads --earlier-checkpoint-keys. */
  static List<PublicKey> earlierKeys(List<Path> files) throws IOException {
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
    components.closeProbes();
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
