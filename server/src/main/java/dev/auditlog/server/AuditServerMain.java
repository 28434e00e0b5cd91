package dev.auditlog.server;

import dev.auditlog.server.ServerConfig.DatabaseConfig;
import dev.auditlog.server.ServerConfig.TransportLimits;
import dev.auditlog.server.forward.Destination;
import dev.auditlog.server.forward.ForwardingConfig;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.metrics.MetricsEndpoint;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.EmbeddedDatabase;
import dev.auditlog.server.store.PostgresAuditStore;
import dev.auditlog.server.store.Retention;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Starts the audit server. Every option has an environment variable and a default that
 * runs a development server: the embedded PostgreSQL in {@code ./data} and the
 * certificates in {@code ./certs-dev}.
 */
@Command(name = "audit-server", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = Version.class, subcommands = ArchiveCommand.class,
    description = "Append-only, hash-chained audit log over mutual-TLS gRPC.")
public final class AuditServerMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(AuditServerMain.class);
  private static final String EMBEDDED_DB = "audit";
  private static final String EMBEDDED_OWNER = "audit_owner";
  private static final String EMBEDDED_WRITER = "audit_writer";
  /** The exit status after the append pipeline failed (EX_SOFTWARE). */
  static final int EXIT_PIPELINE_FAILED = 70;
  private static final Duration FATAL_EXIT_GRACE = Duration.ofSeconds(30);

  @Option(names = "--bind", defaultValue = "${env:AUDIT_BIND:-127.0.0.1}",
      description = "Address to listen on (env AUDIT_BIND, default ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--port", defaultValue = "${env:AUDIT_PORT:-8443}",
      description = "TCP port, 0 for any free one (env AUDIT_PORT, default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--cert", defaultValue = "${env:AUDIT_TLS_CERT:-certs-dev/server.pem}",
      description = "Server certificate chain, PEM (env AUDIT_TLS_CERT).")
  Path cert;

  @Option(names = "--key", defaultValue = "${env:AUDIT_TLS_KEY:-certs-dev/server.key}",
      description = "Server private key, PKCS#8 PEM (env AUDIT_TLS_KEY).")
  Path key;

  @Option(names = "--ca", defaultValue = "${env:AUDIT_TLS_CA:-certs-dev/ca.pem}",
      description = "CA certificates trusted for client certificates, PEM (env AUDIT_TLS_CA).")
  Path ca;

  @Option(names = "--crl", defaultValue = "${env:AUDIT_TLS_CRL}",
      description = "Revocation lists for client certificates, PEM; unset for none (env AUDIT_TLS_CRL).")
  Path crl;

  @Option(names = "--tls-protocols", split = ",", defaultValue = "${env:AUDIT_TLS_PROTOCOLS:-TLSv1.3}",
      description = "TLS versions, TLSv1.3 and optionally TLSv1.2 (env AUDIT_TLS_PROTOCOLS).")
  List<String> tlsProtocols;

  @Option(names = "--allow-dev-certificates", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:AUDIT_ALLOW_DEV_CERTIFICATES:-false}",
      description = "Serve the development PKI of certs-dev/ (public private keys) on an address"
          + " other than loopback (env AUDIT_ALLOW_DEV_CERTIFICATES, default ${DEFAULT-VALUE}).")
  boolean allowDevCertificates;

  @Option(names = "--appenders", split = ",", defaultValue = "${env:AUDIT_APPENDERS:-auth-backend}",
      description = "Identities that may append (env AUDIT_APPENDERS, default ${DEFAULT-VALUE}).")
  Set<String> appenders;

  @Option(names = "--readers", split = ",", defaultValue = "${env:AUDIT_READERS:-auditor}",
      description = "Identities that may list (env AUDIT_READERS, default ${DEFAULT-VALUE}).")
  Set<String> readers;

  @Option(names = "--admins", split = ",", defaultValue = "${env:AUDIT_ADMINS}",
      description = "Identities that may replay and resume forwarding destinations (env"
          + " AUDIT_ADMINS; default none).")
  Set<String> admins;

  @Option(names = "--forwarding-config", defaultValue = "${env:AUDIT_FORWARDING_CONFIG}",
      description = "Forwarding to SIEMs: a JSON file of destinations, see docs/siem.md (env"
          + " AUDIT_FORWARDING_CONFIG; default no forwarding).")
  Path forwardingConfig;

  @Option(names = "--identity-issuer", split = ",", paramLabel = "IDENTITY=CA_PEM_FILE",
      defaultValue = "${env:AUDIT_IDENTITY_ISSUERS}",
      description = "Accept IDENTITY only from client certificates issued by a CA in"
          + " CA_PEM_FILE; repeatable. Needed for every identity of --appenders and --readers"
          + " when --ca holds several CAs (env AUDIT_IDENTITY_ISSUERS, comma-separated).")
  List<String> identityIssuers;

  @Option(names = "--identity-from-cn", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:AUDIT_IDENTITY_FROM_CN:-false}",
      description = "Name a client certificate without URI or DNS subject alternative names by"
          + " its subject's common name (env AUDIT_IDENTITY_FROM_CN, default ${DEFAULT-VALUE}).")
  boolean identityFromCn;

  @Option(names = "--data-dir", defaultValue = "${env:AUDIT_DATA_DIR:-data}",
      description = "State directory: the embedded PostgreSQL in postgres/, its role passwords"
          + " in secrets/, the generated signing key (env AUDIT_DATA_DIR).")
  Path dataDir;

  @Option(names = "--db-url", defaultValue = "${env:AUDIT_DB_URL}",
      description = "External PostgreSQL (14+) JDBC URL; unset for the embedded one (env AUDIT_DB_URL).")
  String dbUrl;

  @Option(names = "--db-user", defaultValue = "${env:AUDIT_DB_USER:-audit_writer}",
      description = "Writer role: INSERT and SELECT only (env AUDIT_DB_USER).")
  String dbUser;

  @Option(names = "--db-password", defaultValue = "${env:AUDIT_DB_PASSWORD}",
      description = "Writer password (env AUDIT_DB_PASSWORD).")
  String dbPassword;

  @Option(names = "--db-owner-user", defaultValue = "${env:AUDIT_DB_OWNER_USER:-audit_owner}",
      description = "Schema owner role, runs migrations (env AUDIT_DB_OWNER_USER).")
  String dbOwnerUser;

  @Option(names = "--db-owner-password", defaultValue = "${env:AUDIT_DB_OWNER_PASSWORD}",
      description = "Schema owner password (env AUDIT_DB_OWNER_PASSWORD).")
  String dbOwnerPassword;

  @Option(names = "--migrate", defaultValue = "${env:AUDIT_MIGRATE:-auto}",
      description = "auto: migrate as the owner at start; only: migrate and exit; never: skip"
          + " (no owner credentials needed) (env AUDIT_MIGRATE, default ${DEFAULT-VALUE}).")
  String migrate;

  @Option(names = "--retention", defaultValue = "${env:AUDIT_RETENTION}",
      converter = RetentionConverter.class,
      description = "Minimum retention of the log: days (400d), years (2y) or ISO-8601 (P2Y);"
          + " recorded in the database at start if longer than the recorded one, refused if"
          + " shorter (env AUDIT_RETENTION; default the recorded one, one year for a new log).")
  Retention retention;

  @Option(names = "--db-schema", defaultValue = "${env:AUDIT_DB_SCHEMA:-audit}",
      description = "Schema of the audit tables (env AUDIT_DB_SCHEMA, default ${DEFAULT-VALUE}).")
  String dbSchema;

  @Option(names = "--db-pool-size", defaultValue = "${env:AUDIT_DB_POOL_SIZE:-8}",
      description = "Writer connections (env AUDIT_DB_POOL_SIZE, default ${DEFAULT-VALUE}).")
  int poolSize;

  @Option(names = "--log-id", defaultValue = "${env:AUDIT_LOG_ID:-default}",
      description = "Identifier of the log (env AUDIT_LOG_ID, default ${DEFAULT-VALUE}).")
  String logId;

  @Option(names = "--log", split = ",", paramLabel = "LOG[=DATABASE]",
      defaultValue = "${env:AUDIT_LOGS}",
      description = "Serve LOG besides the default log of --log-id, in the database of --db-url,"
          + " or in DATABASE, one of --database; repeatable. Each log has its own seq, chain,"
          + " checkpoints and tree (env AUDIT_LOGS, comma-separated).")
  List<String> logs;

  @Option(names = "--database", split = ";", paramLabel = "NAME=JDBC_URL",
      defaultValue = "${env:AUDIT_DATABASES}",
      description = "A further PostgreSQL that logs of --log may live in; repeatable. Its roles"
          + " are those of --db-user and --db-owner-user unless --database-user and"
          + " --database-owner-user name others; its passwords are given by"
          + " --database-password and --database-owner-password (env AUDIT_DATABASES,"
          + " semicolon-separated).")
  List<String> databases;

  @Option(names = "--database-user", split = ",", paramLabel = "NAME=ROLE",
      defaultValue = "${env:AUDIT_DATABASE_USERS}",
      description = "The writer role of database NAME (env AUDIT_DATABASE_USERS).")
  List<String> databaseUsers;

  @Option(names = "--database-password", split = ",", paramLabel = "NAME=PASSWORD",
      defaultValue = "${env:AUDIT_DATABASE_PASSWORDS}",
      description = "The writer password of database NAME (env AUDIT_DATABASE_PASSWORDS).")
  List<String> databasePasswords;

  @Option(names = "--database-owner-user", split = ",", paramLabel = "NAME=ROLE",
      defaultValue = "${env:AUDIT_DATABASE_OWNER_USERS}",
      description = "The schema owner role of database NAME (env AUDIT_DATABASE_OWNER_USERS).")
  List<String> databaseOwnerUsers;

  @Option(names = "--database-owner-password", split = ",", paramLabel = "NAME=PASSWORD",
      defaultValue = "${env:AUDIT_DATABASE_OWNER_PASSWORDS}",
      description = "The schema owner password of database NAME (env"
          + " AUDIT_DATABASE_OWNER_PASSWORDS).")
  List<String> databaseOwnerPasswords;

  @Option(names = "--log-appender", split = ",", paramLabel = "LOG=IDENTITY",
      defaultValue = "${env:AUDIT_LOG_APPENDERS}",
      description = "Let IDENTITY append to LOG ('*': every log); repeatable. --appenders may"
          + " append to the default log only (env AUDIT_LOG_APPENDERS).")
  List<String> logAppenders;

  @Option(names = "--log-reader", split = ",", paramLabel = "LOG=IDENTITY",
      defaultValue = "${env:AUDIT_LOG_READERS}",
      description = "Let IDENTITY list, export and prove LOG ('*': every log); repeatable."
          + " --readers may read the default log only (env AUDIT_LOG_READERS).")
  List<String> logReaders;

  @Option(names = "--max-batch", defaultValue = "${env:AUDIT_MAX_BATCH:-1000}",
      description = "Most events per AppendBatch (env AUDIT_MAX_BATCH, default ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--max-message-bytes", defaultValue = "${env:AUDIT_MAX_MESSAGE_BYTES:-4194304}",
      description = "Largest request message (env AUDIT_MAX_MESSAGE_BYTES, default ${DEFAULT-VALUE}).")
  int maxMessageBytes;

  @Option(names = "--queue-capacity", defaultValue = "${env:AUDIT_QUEUE_CAPACITY:-20000}",
      description = "Most appends waiting to be committed (env AUDIT_QUEUE_CAPACITY, default ${DEFAULT-VALUE}).")
  int queueCapacity;

  @Option(names = "--queue-bytes", defaultValue = "${env:AUDIT_QUEUE_BYTES}",
      description = "Most bytes of events waiting to be committed (env AUDIT_QUEUE_BYTES;"
          + " default an eighth of the heap, 16 MiB to 1 GiB).")
  Long queueBytes;

  @Option(names = "--group-bytes", defaultValue = "${env:AUDIT_GROUP_BYTES:-4194304}",
      description = "Most bytes of events per commit (env AUDIT_GROUP_BYTES, default ${DEFAULT-VALUE}).")
  long groupBytes;

  @Option(names = "--group-size", defaultValue = "${env:AUDIT_GROUP_SIZE:-1000}",
      description = "Most appends per commit (env AUDIT_GROUP_SIZE, default ${DEFAULT-VALUE}).")
  int groupSize;

  @Option(names = "--signing-key", defaultValue = "${env:AUDIT_SIGNING_KEY}",
      description = "Ed25519 checkpoint signing key, PKCS#8 PEM (env AUDIT_SIGNING_KEY); unset:"
          + " <data-dir>/checkpoint-signing-key.pem, generated on first start.")
  Path signingKey;

  @Option(names = "--earlier-checkpoint-keys", split = ",",
      defaultValue = "${env:AUDIT_EARLIER_CHECKPOINT_KEYS}",
      description = "Public keys (PEM) that signed this log's checkpoints before --signing-key,"
          + " after a key rotation; their checkpoints stay trusted (env"
          + " AUDIT_EARLIER_CHECKPOINT_KEYS).")
  List<Path> earlierCheckpointKeys;

  @Option(names = "--checkpoint-interval", defaultValue = "${env:AUDIT_CHECKPOINT_INTERVAL:-60}",
      description = "Seconds between signed checkpoints, busy or idle"
          + " (env AUDIT_CHECKPOINT_INTERVAL, default ${DEFAULT-VALUE}).")
  long checkpointIntervalSeconds;

  @Option(names = "--witness-config", defaultValue = "${env:AUDIT_WITNESS_CONFIG}",
      description = "A JSON file naming the witnesses that cosign each checkpoint"
          + " (c2sp.org/tlog-witness; docs/merkle-tree.md) (env AUDIT_WITNESS_CONFIG).")
  Path witnessConfig;

  @Option(names = "--tiles-port", defaultValue = "${env:AUDIT_TILES_PORT}",
      description = "Serve the log's Merkle tree read-only as c2sp.org/tlog-tiles over HTTPS"
          + " on this port, with the same certificates and readers (env AUDIT_TILES_PORT;"
          + " off by default).")
  Integer tilesPort;

  @Option(names = "--checkpoint-origin",
      defaultValue = "${env:AUDIT_CHECKPOINT_ORIGIN:-" + ServerConfig.Checkpoints.DEFAULT_ORIGIN
          + "}",
      description = "Names this server's logs in their C2SP checkpoint notes: the origin line"
          + " is ORIGIN/LOG_ID, and the key name is the same. Set a unique name such as"
          + " audit.example.com (env AUDIT_CHECKPOINT_ORIGIN, default ${DEFAULT-VALUE}).")
  String checkpointOrigin;

  @Option(names = "--max-metadata-bytes", defaultValue = "${env:AUDIT_MAX_METADATA_BYTES:-16384}",
      description = "Largest request metadata (headers) (env AUDIT_MAX_METADATA_BYTES, default ${DEFAULT-VALUE}).")
  int maxMetadataBytes;

  @Option(names = "--max-calls-per-connection",
      defaultValue = "${env:AUDIT_MAX_CALLS_PER_CONNECTION:-200}",
      description = "Most calls at once on one connection (env AUDIT_MAX_CALLS_PER_CONNECTION, default ${DEFAULT-VALUE}).")
  int maxCallsPerConnection;

  @Option(names = "--max-connection-age", defaultValue = "${env:AUDIT_MAX_CONNECTION_AGE:-PT30M}",
      description = "Connection lifetime, ISO-8601 (PT30M), PT0S for unlimited (env AUDIT_MAX_CONNECTION_AGE, default ${DEFAULT-VALUE}).")
  Duration maxConnectionAge;

  @Option(names = "--max-connection-age-grace",
      defaultValue = "${env:AUDIT_MAX_CONNECTION_AGE_GRACE:-PT30S}",
      description = "Time for running calls once a connection is too old (env AUDIT_MAX_CONNECTION_AGE_GRACE, default ${DEFAULT-VALUE}).")
  Duration maxConnectionAgeGrace;

  @Option(names = "--handshake-timeout", defaultValue = "${env:AUDIT_HANDSHAKE_TIMEOUT:-PT10S}",
      description = "Most time for a TLS handshake (env AUDIT_HANDSHAKE_TIMEOUT, default ${DEFAULT-VALUE}).")
  Duration handshakeTimeout;

  @Option(names = "--export-stall-timeout",
      defaultValue = "${env:AUDIT_EXPORT_STALL_TIMEOUT:-PT60S}",
      description = "Most time an Export waits for its client to read on, ISO-8601 (env AUDIT_EXPORT_STALL_TIMEOUT, default ${DEFAULT-VALUE}).")
  Duration exportStallTimeout;

  // Operations: logs, metrics.

  @Option(names = "--log-format", defaultValue = "${env:AUDIT_LOG_FORMAT:-text}",
      description = "Log lines on standard error as text or json, one JSON object per line"
          + " (env AUDIT_LOG_FORMAT, default ${DEFAULT-VALUE}).")
  String logFormat;

  @Option(names = "--metrics-port", defaultValue = "${env:AUDIT_METRICS_PORT}",
      description = "Serve metrics for Prometheus over plain HTTP on this port, 0 for any free"
          + " one (env AUDIT_METRICS_PORT; default unset: no metrics endpoint).")
  Integer metricsPort;

  @Option(names = "--metrics-bind", defaultValue = "${env:AUDIT_METRICS_BIND:-127.0.0.1}",
      description = "Address of the metrics endpoint (env AUDIT_METRICS_BIND, default"
          + " ${DEFAULT-VALUE}).")
  String metricsBind;

  /** The database {@link #openStore} opened (the embedded one's, once provisioned). */
  private DatabaseConfig opened;

  /** How many forwarding destinations the configuration has, once read. */
  private int forwardingDestinations;

  /** Passwords from the command line and environment, kept out of every message printed. */
  private final List<String> secrets;

  AuditServerMain(List<String> secrets) {
    this.secrets = List.copyOf(secrets);
  }

  public static void main(String[] args) {
    List<String> secrets = Redaction.secrets(args, System.getenv());
    System.exit(new CommandLine(new AuditServerMain(secrets))
        .setParameterExceptionHandler((e, ignoredArgs) -> {
          e.getCommandLine().getErr().println("audit-server: "
              + Redaction.redact(parameterError(e), secrets) + " (see --help)");
          return 2;
        })
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          System.err.println((cmd.getCommand() instanceof ArchiveCommand
              ? "audit-server archive: failed: " : "audit-server: cannot start: ")
              + Redaction.redact(describe(e), secrets));
          return 1;
        })
        .execute(args));
  }

  /**
   * The message of a command-line error; for unknown options only their names, since the
   * value after a misspelled --db-password is a password.
   */
  private static String parameterError(ParameterException e) {
    if (!(e instanceof UnmatchedArgumentException unmatched)) {
      return e.getMessage();
    }
    List<String> options = unmatched.getUnmatched().stream().filter(a -> a.startsWith("-"))
        .map(a -> a.replaceFirst("=.*", "=...")).toList();
    return options.isEmpty() ? "unexpected arguments (not shown)"
        : "unknown options " + String.join(", ", options);
  }

  /** The messages of an exception and its causes, on one line, without stack traces. */
  static String describe(Throwable e) {
    StringBuilder line = new StringBuilder();
    for (Throwable t = e; t != null && line.length() < 600; t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (line.indexOf(m) < 0) {
        line.append(line.length() == 0 ? "" : ": ").append(m.replace('\n', ' '));
      }
    }
    return line.toString();
  }

  ServerConfig config() {
    DatabaseConfig db = dbUrl == null || dbUrl.isBlank() ? null
        : new DatabaseConfig(dbUrl, dbUser, dbPassword, dbOwnerUser, dbOwnerPassword, dbSchema);
    ServerConfig.Builder b = ServerConfig.builder();
    databases(b);
    for (String log : nonBlank(logs)) {
      int eq = log.indexOf('=');
      b.log(eq < 0 ? log.strip() : log.substring(0, eq).strip(),
          eq < 0 ? ServerConfig.DEFAULT_DATABASE : log.substring(eq + 1).strip());
    }
    pairs(logAppenders, "log-appender", "LOG=IDENTITY").forEach(p -> b.logAppender(p[0], p[1]));
    pairs(logReaders, "log-reader", "LOG=IDENTITY").forEach(p -> b.logReader(p[0], p[1]));
    return b
        .bind(bind).port(port)
        .tls(cert, key, ca).crl(crl).tlsProtocols(tlsProtocols)
        .allowDevCertificates(allowDevCertificates)
        .appenders(appenders).readers(readers).admins(admins == null ? Set.of() : admins)
        .forwardingConfig(forwardingConfig).identityIssuers(issuers(identityIssuers))
        .identityFromCn(identityFromCn)
        .dataDir(dataDir).database(db).poolSize(poolSize).signingKey(signingKey)
        .earlierCheckpointKeys(earlierCheckpointKeys == null ? List.of() : earlierCheckpointKeys)
        .logId(logId).maxBatchSize(maxBatch).maxMessageBytes(maxMessageBytes)
        .queueCapacity(queueCapacity)
        .queueBytes(queueBytes != null ? queueBytes : ServerConfig.Appends.defaultQueueBytes())
        .maxGroupSize(groupSize).maxGroupBytes(groupBytes)
        .checkpointInterval(Duration.ofSeconds(checkpointIntervalSeconds))
        .checkpointOrigin(checkpointOrigin)
        .witnessConfig(witnessConfig)
        .tilesPort(tilesPort)
        .transport(new TransportLimits(maxMetadataBytes, maxCallsPerConnection,
            maxConnectionAge, maxConnectionAgeGrace, handshakeTimeout, exportStallTimeout))
        .metrics(metricsBind, metricsPort == null ? ServerConfig.Metrics.OFF : metricsPort)
        .build();
  }

  /** The databases of {@code --database}, with their roles and passwords. */
  private void databases(ServerConfig.Builder b) {
    Map<String, String> users = map(databaseUsers, "database-user", "NAME=ROLE");
    Map<String, String> passwords = map(databasePasswords, "database-password", "NAME=PASSWORD");
    Map<String, String> owners = map(databaseOwnerUsers, "database-owner-user", "NAME=ROLE");
    Map<String, String> ownerPasswords =
        map(databaseOwnerPasswords, "database-owner-password", "NAME=PASSWORD");
    Map<String, String> urls = map(databases, "database", "NAME=JDBC_URL");
    for (Map<String, String> named : List.of(users, passwords, owners, ownerPasswords)) {
      for (String name : named.keySet()) {
        ServerConfig.require(urls.containsKey(name), "database-...", name + "=...",
            "NAME=... with NAME one of --database");
      }
    }
    urls.forEach((name, url) -> b.database(name, new DatabaseConfig(url,
        users.getOrDefault(name, dbUser), passwords.get(name),
        owners.getOrDefault(name, dbOwnerUser), ownerPasswords.get(name), dbSchema)));
  }

  /** {@code KEY=VALUE} pairs, each split at its first '='; none for null or blanks. */
  static List<String[]> pairs(List<String> values, String flag, String form) {
    List<String[]> pairs = new ArrayList<>();
    for (String pair : nonBlank(values)) {
      int eq = pair.indexOf('=');
      ServerConfig.require(eq > 0 && eq < pair.length() - 1, flag,
          eq > 0 ? pair.substring(0, eq) + "=..." : pair, form);
      pairs.add(new String[] {pair.substring(0, eq).strip(), pair.substring(eq + 1).strip()});
    }
    return pairs;
  }

  /** {@link #pairs} by key; a key given twice is refused. */
  private static Map<String, String> map(List<String> values, String flag, String form) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String[] p : pairs(values, flag, form)) {
      ServerConfig.require(map.put(p[0], p[1]) == null, flag, p[0] + "=...",
          form + " with each NAME once");
    }
    return map;
  }

  private static List<String> nonBlank(List<String> values) {
    return values == null ? List.of() : values.stream().filter(v -> !v.isBlank()).toList();
  }

  /** {@code IDENTITY=CA_PEM_FILE} pairs by identity, in order; none for null. */
  static Map<String, List<Path>> issuers(List<String> pairs) {
    Map<String, List<Path>> issuers = new LinkedHashMap<>();
    for (String pair : pairs == null ? List.<String>of() : pairs) {
      int eq = pair.indexOf('=');
      if (pair.isBlank()) {
        continue;
      }
      ServerConfig.require(eq > 0 && eq < pair.length() - 1, "identity-issuer", pair,
          "IDENTITY=CA_PEM_FILE");
      issuers.computeIfAbsent(pair.substring(0, eq).strip(), i -> new ArrayList<>())
          .add(Path.of(pair.substring(eq + 1).strip()));
    }
    return issuers;
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig config;
    try {
      LogFormat.parse(logFormat).apply();
      config = config();
    } catch (IllegalArgumentException e) {
      System.err.println("audit-server: " + Redaction.redact(e.getMessage(), secrets));
      return 2;
    }
    if (!List.of("auto", "only", "never").contains(migrate)) {
      System.err.println(
          "audit-server: --migrate must be auto, only or never, got '" + migrate + "'");
      return 2;
    }
    if (!migrate.equals("only")) {
      AuditServer.checkCertificates(config);
      checkForwarding(config);
    }
    AuditMetrics metrics = metrics();
    Map<String, AuditStore> stores = openStores(config, migrate, metrics);
    if (migrate.equals("only")) {
      closeAll(stores);
      return 0;
    }
    AuditServer server;
    MetricsEndpoint endpoint;
    try {
      server = AuditServer.start(config, stores, AuditServerMain::exitOnFatal, metrics);
      endpoint = serveMetrics(config.metrics(), metrics, server);
    } catch (Exception e) {
      closeAll(stores);
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      closeAll(stores);
      if (endpoint != null) {
        endpoint.close();
      }
      stopped.countDown();
    }, "audit-shutdown"));
    stopped.await();
    return 0;
  }

  /** The server's metrics, with the JVM's own, in a registry of their own. */
  private static AuditMetrics metrics() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    AuditMetrics metrics = new AuditMetrics(registry);
    metrics.buildInfo(Version.current());
    return metrics;
  }

  /** Starts the metrics endpoint if one is configured; else null. */
  private static MetricsEndpoint serveMetrics(ServerConfig.Metrics config, AuditMetrics metrics,
      AuditServer server) throws IOException {
    if (!config.enabled()) {
      return null;
    }
    try {
      MetricsEndpoint endpoint =
          MetricsEndpoint.start(config.bindAddress(), config.port(), metrics.registry());
      log.info("metrics for Prometheus on http://{}:{}/metrics", config.bindAddress(),
          endpoint.port());
      return endpoint;
    } catch (IOException e) {
      server.close();
      throw e;
    }
  }

  /**
   * Stops the process after the append pipeline failed (every waiting append has been
   * answered UNAVAILABLE, health is NOT_SERVING), so that a supervisor restarts it: the
   * shutdown hook closes the server and the store; if that hangs, the process halts.
   */
  private static void exitOnFatal(Throwable failure) {
    log.error("stopping, the append pipeline failed: {}", failure.toString());
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(FATAL_EXIT_GRACE.toMillis());
      } catch (InterruptedException ignored) {
        // halt now
      }
      Runtime.getRuntime().halt(EXIT_PIPELINE_FAILED);
    }, "audit-fatal-halt");
    halt.setDaemon(true);
    halt.start();
    // Not on the failing thread: System.exit waits for the shutdown hook, which joins it.
    new Thread(() -> System.exit(EXIT_PIPELINE_FAILED), "audit-fatal-exit").start();
  }

  /**
   * Reads the forwarding configuration once before anything starts, so that a wrong key
   * refuses the start naming it, and counts its destinations.
   */
  private void checkForwarding(ServerConfig config) throws Exception {
    forwardingDestinations = 0;
    if (config.forwardingConfig() != null) {
      ForwardingConfig forwarding =
          ForwardingConfig.read(config.forwardingConfig(), System::getenv);
      forwardingDestinations = forwarding.destinations().size();
      forwarding.destinations().forEach(Destination::close);
    }
  }

  /** The database {@link #openStore} opened; null before. */
  DatabaseConfig openedDatabase() {
    return opened;
  }

  /** Reads --retention. */
  static final class RetentionConverter implements CommandLine.ITypeConverter<Retention> {
    @Override
    public Retention convert(String value) {
      return Retention.parse(value);
    }
  }

  /** Two connections per destination (its lease, its reads) and two for status calls. */
  private int forwardingPoolSize(ServerConfig config) {
    return forwardingDestinations == 0 ? 0 : 2 * forwardingDestinations + 2;
  }

  /** Creates the roles and the database of the embedded PostgreSQL, with their passwords. */
  private static DatabaseConfig provision(EmbeddedDatabase embedded) throws Exception {
    embedded.provision(EMBEDDED_DB, EMBEDDED_OWNER, EMBEDDED_WRITER);
    log.info("embedded PostgreSQL on 127.0.0.1:{}, cluster in {}, role passwords in {}, its"
        + " own log in {}", embedded.port(), embedded.clusterDirectory().toAbsolutePath(),
        embedded.secretsDirectory().toAbsolutePath(), embedded.logFile().toAbsolutePath());
    return new DatabaseConfig(embedded.jdbcUrl(EMBEDDED_DB), EMBEDDED_WRITER,
        embedded.password(EMBEDDED_WRITER), EMBEDDED_OWNER, embedded.password(EMBEDDED_OWNER),
        "audit");
  }

  /**
   * Opens every database that holds a log (the default one, and those of {@code --database}
   * that a {@code --log} names), migrating each as {@link #openStore} does; by name.
   */
  Map<String, AuditStore> openStores(ServerConfig config, String migrate, AuditMetrics metrics)
      throws Exception {
    Map<String, AuditStore> stores = new LinkedHashMap<>();
    try {
      stores.put(ServerConfig.DEFAULT_DATABASE, openStore(config, migrate, metrics));
      for (String name : new TreeSet<>(config.logs().values())) {
        if (!stores.containsKey(name)) {
          DatabaseConfig db = config.storage().databases().get(name);
          stores.put(name, PostgresStores.open(name, db, config.storage().poolSize(), 0,
              !migrate.equals("never"), null, metrics.connectionPools()));
          recordRetention(config, name, db, migrate);
        }
      }
      return stores;
    } catch (Exception e) {
      closeAll(stores);
      throw e;
    }
  }

  private static void closeAll(Map<String, AuditStore> stores) {
    stores.values().forEach(AuditStore::close);
  }

  /**
   * Opens the configured database, migrates it as the owner, connects as the writer and
   * records the retention (--retention) of each log it holds; the pools report to {@code
   * metrics}.
   */
  AuditStore openStore(ServerConfig config, String migrate, AuditMetrics metrics)
      throws Exception {
    DatabaseConfig db = config.storage().database();
    EmbeddedDatabase embedded = null;
    if (db == null) {
      embedded = EmbeddedDatabase.start(config.storage().dataDir());
    }
    EmbeddedDatabase toStop = embedded;
    PostgresAuditStore store;
    try {
      if (embedded != null) {
        db = provision(embedded);
      }
      store = PostgresStores.open(db, config.storage().poolSize(),
          forwardingPoolSize(config), !migrate.equals("never"), toStop,
          metrics.connectionPools());
    } catch (Exception e) {
      if (toStop != null) {
        toStop.close();
      }
      throw e;
    }
    opened = db;
    try {
      recordRetention(config, ServerConfig.DEFAULT_DATABASE, db, migrate);
    } catch (RuntimeException e) {
      store.close(); // and the embedded database with it
      throw e;
    }
    return store;
  }

  /** Records --retention for each log of the database {@code name} (the same for all). */
  private void recordRetention(ServerConfig config, String name, DatabaseConfig db,
      String migrate) {
    for (Map.Entry<String, String> log : config.logs().entrySet()) {
      if (log.getValue().equals(name)) {
        PostgresStores.retention(db, log.getKey(), retention, !migrate.equals("never"));
      }
    }
  }

}
