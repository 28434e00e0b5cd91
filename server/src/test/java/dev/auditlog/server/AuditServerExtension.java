package dev.auditlog.server;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.memory.MemoryAuditStore;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one fixture that starts an audit server for a test, as grpc-java's GrpcCleanupRule is
 * one for all of its tests: before each test a fresh store and a server over it, after it
 * everything closed. Three kinds:
 *
 * <ul>
 *   <li>{@link #inProcess()}: the in-memory store and grpc-java's in-process transport, for
 *       unit tests of the service, validation and authorization in milliseconds. Each channel
 *       presents a dev certificate ({@link InProcessClientCertificates}).
 *   <li>{@link #mutualTls()}: a fresh database on the real PostgreSQL ({@link TestDatabase})
 *       and the real server on a loopback port with mutual TLS and the dev certificates.
 *   <li>{@link #mutualTls(Callable)}: the same server over a store of the test's own, such
 *       as one on a PostgreSQL that the test stops and restarts.
 * </ul>
 *
 * <p>Register it with {@code @RegisterExtension} and configure it there ({@link #configure},
 * {@link #wrapStore}, {@link #notStarted}): on an instance field for a fresh store and
 * server for each test, on a static field for one shared by all tests of the class. Not
 * thread-safe, except for the channels and stubs it hands out.
 */
public final class AuditServerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  /** The checkpoint signing key for tests only, from docs/test-vectors (its key is public). */
  public static final Path SIGNING_KEY =
      TestCerts.DIR.resolveSibling("docs/test-vectors/checkpoint-test-key.pem");
  /** The public key of {@link #SIGNING_KEY}. */
  public static final Path SIGNING_PUBLIC_KEY =
      TestCerts.DIR.resolveSibling("docs/test-vectors/checkpoint-test-key.pub.pem");
  /**
   * A copy of {@link #SIGNING_KEY} that only its owner may read and write, as the server
   * requires of a key file (git keeps no such mode); the servers of {@link #baseConfig()}
   * sign with it.
   */
  public static final Path PRIVATE_SIGNING_KEY = ownerOnlyCopy(SIGNING_KEY);

  private final boolean inProcess;
  private final Callable<AuditStore> ownStore;
  private UnaryOperator<ServerConfig.Builder> configure = b -> b;
  private UnaryOperator<AuditStore> wrapStore = s -> s;
  private Callable<Map<String, AuditStore>> otherDatabases = Map::of;
  private Map<String, AuditStore> otherStores;
  private boolean startEach = true;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private TestDatabase db;
  private AuditStore store;
  private ServerConfig config;
  private AuditServer server;
  private String inProcessName;
  private CompletableFuture<Throwable> fatal = new CompletableFuture<>();
  private AuditMetrics metrics;
  private boolean perClass;

  private AuditServerExtension(boolean inProcess, Callable<AuditStore> ownStore) {
    this.inProcess = inProcess;
    this.ownStore = ownStore;
  }

  /** In-memory store, in-process transport: unit tests. */
  public static AuditServerExtension inProcess() {
    return new AuditServerExtension(true, null);
  }

  /** Real PostgreSQL, real mutual TLS on loopback: integration tests. */
  public static AuditServerExtension mutualTls() {
    return new AuditServerExtension(false, null);
  }

  /**
   * Real mutual TLS on loopback over the store {@code store} makes, instead of a fresh
   * {@link TestDatabase}: for tests with a database of their own. {@code store} is called
   * when the server first starts (so after the test's {@code @BeforeEach} methods when
   * {@link #notStarted}), and the store it made is closed after the test; what else it
   * opened, the store's close must close.
   */
  public static AuditServerExtension mutualTls(Callable<AuditStore> store) {
    return new AuditServerExtension(false, store);
  }

  /** Changes the configuration servers start with (default: {@link #baseConfig()}). */
  public AuditServerExtension configure(UnaryOperator<ServerConfig.Builder> configure) {
    this.configure = configure;
    return this;
  }

  /**
   * Gives the server the stores of further databases, by the names the configuration's logs
   * use ({@link ServerConfig.Builder#database(String, ServerConfig.DatabaseConfig)});
   * {@code stores} is called when the server first starts, and the stores it made are closed
   * after the test, as the main one is.
   */
  public AuditServerExtension otherDatabases(Callable<Map<String, AuditStore>> stores) {
    this.otherDatabases = stores;
    return this;
  }

  /** Puts a test double around each test's store, e.g. one that holds appends. */
  public AuditServerExtension wrapStore(UnaryOperator<AuditStore> wrapStore) {
    this.wrapStore = wrapStore;
    return this;
  }

  /**
   * Leaves starting the server to the test ({@link #start}); the store of {@link #inProcess()}
   * and {@link #mutualTls()} is made before each test all the same.
   */
  public AuditServerExtension notStarted() {
    this.startEach = false;
    return this;
  }

  /**
   * The configuration tests start with: the dev certificates, loopback, any free port, the
   * test signing key, checkpoints every hour (tests ask for those they need), and default
   * limits; the database setting is a placeholder (the fixture hands the store over).
   */
  public static ServerConfig.Builder baseConfig() {
    return ServerConfig.builder()
        .port(0)
        .tls(TestCerts.pem("server"), TestCerts.key("server"), TestCerts.pem("ca"))
        .dataDir(null)
        .database(new ServerConfig.DatabaseConfig("jdbc:postgresql://unused/", "w", null, "o",
            null, "audit"))
        .signingKey(PRIVATE_SIGNING_KEY)
        .checkpointInterval(Duration.ofHours(1));
  }

  /** On a static field: one store and server for all tests of the class. */
  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    setUp();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    tearDown();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      setUp();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      tearDown();
    }
  }

  private void setUp() {
    if (inProcess) {
      store = wrapStore.apply(new MemoryAuditStore());
    } else if (ownStore == null) {
      db = TestDatabase.create();
      store = wrapStore.apply(db.store());
    }
    if (startEach) {
      start();
    }
  }

  private void tearDown() {
    stop();
    if (store != null) {
      store.close();
      store = null;
    }
    if (otherStores != null) {
      otherStores.values().forEach(AuditStore::close);
      otherStores = null;
    }
    if (db != null) {
      db.close();
      db = null;
    }
  }

  /** Starts the server with the configured settings. */
  public void start() {
    start(b -> b);
  }

  /**
   * Starts the server with the configured settings, changed further by {@code change}.
   *
   * @throws UncheckedIOException if the server cannot start (a port in use, a bad file)
   */
  public void start(UnaryOperator<ServerConfig.Builder> change) {
    if (store == null) {
      store = wrapStore.apply(madeStore());
    }
    if (otherStores == null) {
      otherStores = madeOtherStores();
    }
    Map<String, AuditStore> stores = new HashMap<>(otherStores);
    stores.put(ServerConfig.DEFAULT_DATABASE, store);
    config = change.apply(configure.apply(baseConfig())).build();
    fatal = new CompletableFuture<>();
    metrics = AuditMetrics.inMemory();
    try {
      if (inProcess) {
        inProcessName = InProcessServerBuilder.generateName();
        server = AuditServer.start(config, stores, fatal::complete,
            InProcessServerBuilder.forName(inProcessName)
                .intercept(new InProcessClientCertificates()), metrics);
      } else {
        server = AuditServer.start(config, stores, fatal::complete, metrics);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes the server (the store stays) and its channels; it may be started again. */
  public void stop() {
    synchronized (channels) {
      channels.forEach(ManagedChannel::shutdownNow);
      channels.clear();
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }

  private AuditStore madeStore() {
    try {
      return ownStore.call();
    } catch (Exception e) {
      throw new IllegalStateException("making the test's store failed", e);
    }
  }

  private Map<String, AuditStore> madeOtherStores() {
    try {
      return Map.copyOf(otherDatabases.call());
    } catch (Exception e) {
      throw new IllegalStateException("making the test's other stores failed", e);
    }
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

  /** The running server, or null when it is stopped. */
  public AuditServer server() {
    return server;
  }

  public ServerConfig config() {
    return config;
  }

  /** The metrics of the server started last, in a registry of their own. */
  public AuditMetrics metrics() {
    return metrics;
  }

  /**
   * The store the server runs over (with the test double around it, if any); null before
   * the first start for {@link #mutualTls(Callable)}.
   */
  public AuditStore store() {
    return store;
  }

  /** The test's database; only for {@link #mutualTls()}. */
  public TestDatabase db() {
    if (db == null) {
      throw new IllegalStateException("only mutualTls() makes a TestDatabase");
    }
    return db;
  }

  /** The argument of the server's fatal handler, once the append pipeline failed. */
  public CompletableFuture<Throwable> fatal() {
    return fatal;
  }

  /** The port of a mutual-TLS server. */
  public int port() {
    return server.port();
  }

  /**
   * A channel presenting the dev certificate {@code certs-dev/<client>.pem}, or none when
   * {@code client} is null, trusting the dev CA; closed when the server stops.
   */
  public ManagedChannel channel(String client) {
    if (inProcess) {
      Metadata headers = new Metadata();
      if (client != null) {
        headers.put(InProcessClientCertificates.KEY, client);
      }
      return track(InProcessChannelBuilder.forName(inProcessName).directExecutor()
          .intercept(MetadataUtils.newAttachHeadersInterceptor(headers)).build());
    }
    return client == null ? channel(null, null, TestCerts.pem("ca"))
        : channel(TestCerts.pem(client), TestCerts.key(client), TestCerts.pem("ca"));
  }

  /** A channel presenting {@code client}'s certificate and trusting {@code ca}. */
  public ManagedChannel channel(String client, Path ca) {
    return channel(TestCerts.pem(client), TestCerts.key(client), ca);
  }

  /**
   * A mutual-TLS channel presenting the certificate {@code pem} with {@code key} (none when
   * {@code pem} is null), trusting {@code ca}.
   */
  public ManagedChannel channel(Path pem, Path key, Path ca) {
    if (inProcess) {
      throw new IllegalStateException("certificate files need the mutual-TLS server");
    }
    try {
      var ssl = GrpcSslContexts.forClient().trustManager(ca.toFile());
      if (pem != null) {
        ssl.keyManager(pem.toFile(), key.toFile());
      }
      return track(NettyChannelBuilder.forAddress("localhost", port())
          .sslContext(ssl.build()).build());
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A blocking stub for {@code client} with a 30 s deadline. */
  public AuditLogGrpc.AuditLogBlockingStub stub(String client) {
    return AuditLogGrpc.newBlockingStub(channel(client)).withInterceptors(PER_CALL_DEADLINE);
  }

  /**
   * Gives each call without a deadline one of 30 s from its start: a stub's own deadline
   * ({@code withDeadlineAfter}) would run from the stub's creation, and fail a test that
   * keeps a stub for longer than that.
   */
  private static final ClientInterceptor PER_CALL_DEADLINE = new ClientInterceptor() {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
        CallOptions options, Channel next) {
      return next.newCall(method, options.getDeadline() != null ? options
          : options.withDeadlineAfter(30, TimeUnit.SECONDS));
    }
  };

  /** A client TLS context for {@code client}, e.g. for raw socket tests. */
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
}
