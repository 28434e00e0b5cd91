package dev.auditlog.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The server's configuration, checked once when built; immutable. Every message names the
 * flag and the bad value. Made with {@link #builder()}, whose defaults are the command line's.
 *
 * @param bindAddress the address to listen on, e.g. 127.0.0.1 or 0.0.0.0
 * @param port the TCP port, 0 for any free one
 * @param tls the TLS files and protocol versions
 * @param access which identities may append to and read which logs
 * @param storage where entries and the signing key live: the databases and their logs
 * @param appends the default log and the limits on appends
 * @param checkpoints when checkpoints are made and how they name the log
 * @param transport limits on connections and calls
 * @param forwardingConfig the forwarding configuration file (docs/siem.md), or null for none
 * @param witnessConfig the witnesses file (docs/merkle-tree.md), or null for none
 * @param tilesPort the port of the read-only tlog-tiles endpoint (HTTPS), 0 for any free one,
 *     or null for none
 * @param metrics where Prometheus scrapes the metrics, if anywhere
 */
public record ServerConfig(
    String bindAddress,
    int port,
    Tls tls,
    Access access,
    Storage storage,
    Appends appends,
    Checkpoints checkpoints,
    TransportLimits transport,
    Path forwardingConfig,
    Path witnessConfig,
    Integer tilesPort,
    Metrics metrics) {

  public ServerConfig {
    require(bindAddress != null && !bindAddress.isBlank(), "bind", bindAddress, "an address");
    require(port >= 0 && port <= 65535, "port", port, "0..65535");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(appends, "appends");
    Objects.requireNonNull(checkpoints, "checkpoints");
    Objects.requireNonNull(transport, "transport");
    require(forwardingConfig == null || readable(forwardingConfig), "forwarding-config",
        forwardingConfig, "a readable JSON file");
    require(witnessConfig == null || readable(witnessConfig), "witness-config",
        witnessConfig, "a readable JSON file");
    require(tilesPort == null || tilesPort >= 0 && tilesPort <= 65535, "tiles-port", tilesPort,
        "0..65535");
    Objects.requireNonNull(metrics, "metrics");
    require(!storage.logs().containsKey(appends.logId()), "log", appends.logId(),
        "a log other than --log-id, which is always served");
    for (String log : access.logGrants()) {
      require(log.equals(Access.ALL_LOGS) || log.equals(appends.logId())
          || storage.logs().containsKey(log), "log-appender/--log-reader", log + "=...",
          "LOG=IDENTITY with LOG a log of --log-id or --log, or '*' for all");
    }
  }

  /** The name of the database of {@code --db-url} (or the embedded one). */
  public static final String DEFAULT_DATABASE = "default";

  /**
   * Every log this server serves, the default one ({@code --log-id}) first, each with the
   * name of the database it lives in ({@link #DEFAULT_DATABASE} or one of {@code
   * --database}).
   */
  public Map<String, String> logs() {
    Map<String, String> logs = new LinkedHashMap<>();
    logs.put(appends.logId(), storage.databaseOf(appends.logId()));
    logs.putAll(storage.logs());
    return Collections.unmodifiableMap(logs);
  }

  /** A builder with the command line's defaults; the TLS files have none. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The server's TLS setup.
   *
   * @param certFile the server's certificate chain (PEM)
   * @param keyFile the server's private key (PKCS#8 PEM)
   * @param trustedCaFile the CA(s) that sign client certificates (PEM)
   * @param crlFile revocation lists for client certificates (PEM), or null for none
   * @param protocols TLSv1.3, and TLSv1.2 only when asked for
   * @param allowDevCertificates whether the development PKI of certs-dev/ (public keys) may
   *     be served on an address other than loopback
   */
  public record Tls(Path certFile, Path keyFile, Path trustedCaFile, Path crlFile,
      List<String> protocols, boolean allowDevCertificates) {
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    public Tls {
      require(readable(certFile), "cert", certFile, "a readable PEM file");
      require(readable(keyFile), "key", keyFile, "a readable PEM file");
      require(readable(trustedCaFile), "ca", trustedCaFile, "a readable PEM file");
      require(crlFile == null || readable(crlFile), "crl", crlFile, "a readable PEM file");
      require(protocols != null && !protocols.isEmpty() && PROTOCOLS.containsAll(protocols),
          "tls-protocols", protocols, "TLSv1.3 and/or TLSv1.2");
      protocols = List.copyOf(protocols);
    }
  }

  /**
   * Which certificate identities may append and which may read, which CAs may issue them,
   * and how a certificate names its identity.
   *
   * @param appenders identities that may Append and AppendBatch to the default log
   * @param readers identities that may List, Export, GetCheckpoint and ask for proofs of the
   *     default log
   * @param identityIssuers identity to the PEM files of the CAs that may issue it; an
   *     identity without an entry may be issued by the one CA of {@code --ca}, and by none
   *     when {@code --ca} holds several (checked at start, when the files are read)
   * @param identityFromCn whether a certificate without URI or DNS subject alternative names
   *     is named by its subject's common name
   * @param logAppenders log (or {@link #ALL_LOGS}) to the identities that may append to it,
   *     besides {@code appenders}, who may append to the default log only
   * @param logReaders log (or {@link #ALL_LOGS}) to the identities that may read it, besides
   *     {@code readers}, who may read the default log only
   */
  public record Access(Set<String> appenders, Set<String> readers, Set<String> admins,
      Map<String, List<Path>> identityIssuers, boolean identityFromCn,
      Map<String, Set<String>> logAppenders, Map<String, Set<String>> logReaders) {
    /** The log name of a grant that holds for every log. */
    public static final String ALL_LOGS = "*";

    public Access {
      logAppenders = grants(logAppenders, "log-appender");
      logReaders = grants(logReaders, "log-reader");
      require(admins != null && admins.stream().noneMatch(String::isBlank),
          "admins", admins, "identities");
      admins = Set.copyOf(admins);
      require(appenders != null && appenders.stream().noneMatch(String::isBlank),
          "appenders", appenders, "identities");
      require(readers != null && readers.stream().noneMatch(String::isBlank),
          "readers", readers, "identities");
      appenders = Set.copyOf(appenders);
      readers = Set.copyOf(readers);
      Objects.requireNonNull(identityIssuers, "identityIssuers");
      Map<String, List<Path>> issuers = new TreeMap<>();
      for (Map.Entry<String, List<Path>> e : identityIssuers.entrySet()) {
        String identity = e.getKey();
        require(identity != null && !identity.isBlank() && !identity.contains("="),
            "identity-issuer", identity + "=...", "IDENTITY=CA_PEM_FILE");
        require(named(identity, appenders, readers, admins, logAppenders, logReaders),
            "identity-issuer", identity + "=...", "an identity that --appenders, --readers,"
                + " --admins, --log-appender or --log-reader names");
        require(e.getValue() != null && !e.getValue().isEmpty(), "identity-issuer",
            identity + "=", "IDENTITY=CA_PEM_FILE");
        for (Path file : e.getValue()) {
          require(readable(file), "identity-issuer", identity + "=" + file,
              "IDENTITY=CA_PEM_FILE with a readable PEM file");
        }
        issuers.put(identity, List.copyOf(e.getValue()));
      }
      identityIssuers = Collections.unmodifiableMap(issuers);
    }

    /** Every identity that appenders, readers, admins or a log's grants name. */
    public Set<String> identities() {
      Set<String> all = new TreeSet<>(appenders);
      all.addAll(readers);
      all.addAll(admins);
      logAppenders.values().forEach(all::addAll);
      logReaders.values().forEach(all::addAll);
      return Collections.unmodifiableSet(all);
    }

    /** The logs that {@code --log-appender} and {@code --log-reader} name. */
    Set<String> logGrants() {
      Set<String> logs = new TreeSet<>(logAppenders.keySet());
      logs.addAll(logReaders.keySet());
      return logs;
    }

    private static boolean named(String identity, Set<String> appenders, Set<String> readers,
        Set<String> admins, Map<String, Set<String>> logAppenders,
        Map<String, Set<String>> logReaders) {
      return appenders.contains(identity) || readers.contains(identity)
          || admins.contains(identity)
          || logAppenders.values().stream().anyMatch(s -> s.contains(identity))
          || logReaders.values().stream().anyMatch(s -> s.contains(identity));
    }

    private static Map<String, Set<String>> grants(Map<String, Set<String>> grants,
        String flag) {
      require(grants != null, flag, null, "LOG=IDENTITY pairs");
      Map<String, Set<String>> sealed = new TreeMap<>();
      grants.forEach((log, identities) -> {
        require(log != null && (log.equals(ALL_LOGS) || LOG_ID.matcher(log).matches()), flag,
            log + "=...", "LOG=IDENTITY with LOG a log id or '*'");
        require(identities != null && !identities.isEmpty()
            && identities.stream().noneMatch(i -> i == null || i.isBlank()), flag,
            log + "=" + identities, "LOG=IDENTITY with an identity");
        sealed.put(log, Set.copyOf(identities));
      });
      return Collections.unmodifiableMap(sealed);
    }
  }

  /**
   * Where the entries and the checkpoint signing key live.
   *
   * @param dataDir the state directory: the embedded PostgreSQL's cluster and role passwords
   *     (used when database is null) and the generated signing key
   * @param database the external database, or null for the embedded one
   * @param poolSize writer connections
   * @param signingKeyFile the checkpoint signing key (PKCS#8 PEM), or null for the one in
   *     dataDir, generated on first start
   * @param earlierCheckpointKeys public keys (PEM) that signed checkpoints before the
   *     signing key did; their checkpoints are trusted too
   * @param databases further databases by name ({@code --database NAME=URL}), each with its
   *     own writer and owner credentials; the default one is not among them
   * @param logs the logs besides the default one ({@code --log}), each to the name of its
   *     database: {@link ServerConfig#DEFAULT_DATABASE} or one of {@code databases}
   */
  public record Storage(Path dataDir, DatabaseConfig database, int poolSize,
      Path signingKeyFile, List<Path> earlierCheckpointKeys,
      Map<String, DatabaseConfig> databases, Map<String, String> logs) {
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z0-9_-]{1,32}");

    public Storage {
      require(databases != null, "database", null, "NAME=JDBC_URL pairs");
      for (Map.Entry<String, DatabaseConfig> db : databases.entrySet()) {
        require(DATABASE_NAME.matcher(db.getKey()).matches()
            && !db.getKey().equals(DEFAULT_DATABASE), "database", db.getKey() + "=...",
            "NAME=JDBC_URL with NAME 1..32 of a-z, 0-9, '_', '-', other than '"
                + DEFAULT_DATABASE + "' (the database of --db-url)");
        Objects.requireNonNull(db.getValue(), "database " + db.getKey());
      }
      databases = Collections.unmodifiableMap(new TreeMap<>(databases));
      require(logs != null, "log", null, "LOG or LOG=DATABASE");
      for (Map.Entry<String, String> log : logs.entrySet()) {
        require(log.getKey() != null && LOG_ID.matcher(log.getKey()).matches(), "log",
            log.getKey(), "1..64 of letters, digits, '.', '_', '-'");
        require(DEFAULT_DATABASE.equals(log.getValue())
            || databases.containsKey(log.getValue()), "log", log.getKey() + "="
            + log.getValue(), "LOG=DATABASE with DATABASE one of --database, or LOG alone for"
            + " the database of --db-url");
      }
      logs = Collections.unmodifiableMap(new LinkedHashMap<>(logs));
      require(earlierCheckpointKeys != null
          && earlierCheckpointKeys.stream().allMatch(ServerConfig::readable),
          "earlier-checkpoint-keys", earlierCheckpointKeys, "readable PEM public key files");
      earlierCheckpointKeys = List.copyOf(earlierCheckpointKeys);
      require(database != null || dataDir != null, "data-dir", dataDir,
          "a directory when no --db-url is given");
      require(poolSize >= 2 && poolSize <= 100, "db-pool-size", poolSize, "2..100");
      require(signingKeyFile != null || dataDir != null, "signing-key", signingKeyFile,
          "a PEM file when there is no --data-dir to keep a generated key in");
    }

    /** The name of the database {@code logId} lives in; the default one for the default log. */
    public String databaseOf(String logId) {
      return logs.getOrDefault(logId, DEFAULT_DATABASE);
    }
  }

  /**
   * The default log, and the limits on appends (those on queues hold for each log).
   *
   * @param logId the default log's identifier: requests that name no log go to it
   * @param maxBatchSize most events per AppendBatch
   * @param maxMessageBytes largest inbound message
   * @param queueCapacity most appends waiting for the sequencer
   * @param queueBytes most bytes (serialized events) waiting for the sequencer
   * @param maxGroupSize most appends committed in one transaction
   * @param maxGroupBytes most bytes committed in one transaction (at least one append)
   */
  public record Appends(String logId, int maxBatchSize, int maxMessageBytes, int queueCapacity,
      long queueBytes, int maxGroupSize, long maxGroupBytes) {
    /** The default of {@code --queue-bytes}: an eighth of the heap, 16 MiB to 1 GiB. */
    public static long defaultQueueBytes() {
      return Math.max(16L << 20, Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 8));
    }

    public Appends {
      require(logId != null && LOG_ID.matcher(logId).matches(), "log-id", logId,
          "1..64 of letters, digits, '.', '_', '-'");
      require(maxBatchSize >= 1 && maxBatchSize <= 10_000, "max-batch", maxBatchSize,
          "1..10000");
      require(maxMessageBytes >= 64 * 1024 && maxMessageBytes <= 64 * 1024 * 1024,
          "max-message-bytes", maxMessageBytes, "65536..67108864");
      require(queueCapacity >= 1, "queue-capacity", queueCapacity, ">= 1");
      require(queueBytes >= 2L * maxMessageBytes, "queue-bytes", queueBytes,
          "at least twice --max-message-bytes (" + 2L * maxMessageBytes + ")");
      require(maxGroupSize >= 1 && maxGroupSize <= 10_000, "group-size", maxGroupSize,
          "1..10000");
      require(maxGroupBytes >= 64 * 1024 && maxGroupBytes <= queueBytes, "group-bytes",
          maxGroupBytes, "65536 up to --queue-bytes (" + queueBytes + ")");
    }
  }

  /**
   * When checkpoints are signed and how their C2SP notes name the log.
   *
   * @param interval how often a checkpoint is signed, busy or idle
   * @param origin the prefix of the checkpoint notes' origin line, which is {@code
   *     origin/log-id}; also the signing key's name in the notes
   */
  public record Checkpoints(Duration interval, String origin) {
    /** The default of {@code --checkpoint-origin}. */
    public static final String DEFAULT_ORIGIN = "localhost/audit";

    public Checkpoints {
      require(interval != null && interval.compareTo(Duration.ofSeconds(1)) >= 0
          && interval.compareTo(Duration.ofDays(1)) <= 0, "checkpoint-interval",
          interval == null ? null : interval.toSeconds(), "1..86400 seconds");
      require(origin != null && ORIGIN.matcher(origin).matches(), "checkpoint-origin", origin,
          "a schema-less URL such as audit.example.com/logs (letters, digits, '.', '-', '_',"
              + " '~', ':', '/'; at most 200)");
    }

    /** The origin line of {@code logId}'s checkpoint notes: {@code origin/logId}. */
    public String originOf(String logId) {
      return origin + "/" + logId;
    }
  }

  /** What a log's identifier may be. */
  static final Pattern LOG_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private static final Pattern ORIGIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._~:/-]{0,199}");

  /**
   * Limits that keep one client from holding the server's resources: request metadata
   * size, calls at once on one connection, how long a connection lives before the server
   * asks the client to reconnect (and how long its running calls then get), and how long
   * a TLS handshake may take.
   *
   * @param maxMetadataBytes largest request metadata (headers), bytes
   * @param maxCallsPerConnection most calls at once on one connection (HTTP/2 streams)
   * @param maxConnectionAge a connection's lifetime; zero for unlimited
   * @param maxConnectionAgeGrace time for running calls after the age is reached
   * @param handshakeTimeout most time from accepting a connection to a finished handshake
   * @param exportStallTimeout most time an Export waits for its client to take the next
   *     message; then the export is ended (DEADLINE_EXCEEDED) and its thread freed
   */
  public record TransportLimits(int maxMetadataBytes, int maxCallsPerConnection,
      Duration maxConnectionAge, Duration maxConnectionAgeGrace, Duration handshakeTimeout,
      Duration exportStallTimeout) {
    public static final TransportLimits DEFAULTS = new TransportLimits(16 * 1024, 200,
        Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofSeconds(10),
        Duration.ofSeconds(60));

    public TransportLimits {
      require(maxMetadataBytes >= 1024 && maxMetadataBytes <= 1024 * 1024, "max-metadata-bytes",
          maxMetadataBytes, "1024..1048576");
      require(maxCallsPerConnection >= 1, "max-calls-per-connection", maxCallsPerConnection,
          ">= 1");
      require(maxConnectionAge != null && !maxConnectionAge.isNegative()
          && (maxConnectionAge.isZero() || maxConnectionAge.toSeconds() >= 1),
          "max-connection-age", maxConnectionAge, "0 (unlimited) or at least 1 s");
      require(maxConnectionAgeGrace != null && !maxConnectionAgeGrace.isNegative(),
          "max-connection-age-grace", maxConnectionAgeGrace, ">= 0");
      require(handshakeTimeout != null && handshakeTimeout.toMillis() >= 100,
          "handshake-timeout", handshakeTimeout, "at least 100 ms");
      require(exportStallTimeout != null && exportStallTimeout.toMillis() >= 100,
          "export-stall-timeout", exportStallTimeout, "at least 100 ms");
    }

    /** These limits with another export stall timeout. */
    public TransportLimits withExportStallTimeout(Duration timeout) {
      return new TransportLimits(maxMetadataBytes, maxCallsPerConnection, maxConnectionAge,
          maxConnectionAgeGrace, handshakeTimeout, timeout);
    }
  }

  /**
   * The metrics endpoint: plain HTTP, {@code /metrics} for Prometheus.
   *
   * @param bindAddress the address it listens on, loopback unless configured
   * @param port its TCP port, 0 for any free one, or {@link #OFF} for no endpoint
   */
  public record Metrics(String bindAddress, int port) {
    /** The port that means no metrics endpoint. */
    public static final int OFF = -1;
    /** No endpoint (the default). */
    public static final Metrics NONE = new Metrics("127.0.0.1", OFF);

    public Metrics {
      require(bindAddress != null && !bindAddress.isBlank(), "metrics-bind", bindAddress,
          "an address");
      require(port >= OFF && port <= 65535, "metrics-port", port, "0..65535, or unset for none");
    }

    /** Whether an endpoint is configured. */
    public boolean enabled() {
      return port != OFF;
    }
  }

  /**
   * An external PostgreSQL: the writer's credentials, and the schema owner's, with which
   * migrations run. The passwords (also one in the URL) are in no message and not in
   * {@link #toString()}.
   */
  public record DatabaseConfig(String url, String user, String password, String ownerUser,
      String ownerPassword, String schema) {
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&]*");

    public DatabaseConfig {
      require(url != null && url.startsWith("jdbc:postgresql:"), "db-url", withoutPassword(url),
          "jdbc:postgresql://host:port/database");
      require(user != null && !user.isBlank(), "db-user", user, "the writer role");
      require(ownerUser != null && !ownerUser.isBlank(), "db-owner-user", ownerUser,
          "the schema owner role (runs migrations)");
      require(!ownerUser.equals(user), "db-owner-user", ownerUser,
          "a role other than --db-user: the writer must not own the schema");
      require(schema != null && schema.matches("[a-z_][a-z0-9_]{0,62}"), "db-schema", schema,
          "a lowercase SQL identifier");
    }

    /** {@code url} with the value of any {@code password} parameter replaced by ***. */
    public static String withoutPassword(String url) {
      return url == null ? null : URL_PASSWORD.matcher(url).replaceAll("$1***");
    }

    @Override
    public String toString() {
      return "DatabaseConfig[url=" + withoutPassword(url) + ", user=" + user + ", ownerUser="
          + ownerUser + ", schema=" + schema + "]";
    }
  }

  /**
   * Collects a configuration; {@link #build()} checks it. Not thread-safe. Defaults: bind
   * 127.0.0.1:8443, TLSv1.3, {@code auth-backend} appends and {@code auditor} reads, data in
   * {@code ./data} with the generated signing key, log {@code default}, and the limits of
   * the command line.
   */
  public static final class Builder {
    private String bindAddress = "127.0.0.1";
    private int port = 8443;
    private Path certFile;
    private Path keyFile;
    private Path trustedCaFile;
    private Path crlFile;
    private List<String> tlsProtocols = List.of("TLSv1.3");
    private boolean allowDevCertificates;
    private Set<String> appenders = Set.of("auth-backend");
    private Set<String> readers = Set.of("auditor");
    private Set<String> admins = Set.of();
    private final Map<String, List<Path>> identityIssuers = new TreeMap<>();
    private boolean identityFromCn;
    private final Map<String, Set<String>> logAppenders = new TreeMap<>();
    private final Map<String, Set<String>> logReaders = new TreeMap<>();
    private final Map<String, DatabaseConfig> databases = new TreeMap<>();
    private final Map<String, String> logs = new LinkedHashMap<>();
    private Path dataDir = Path.of("data");
    private DatabaseConfig database;
    private int poolSize = 8;
    private Path signingKeyFile;
    private List<Path> earlierCheckpointKeys = List.of();
    private String logId = "default";
    private int maxBatchSize = 1000;
    private int maxMessageBytes = 4 * 1024 * 1024;
    private int queueCapacity = 20_000;
    private long queueBytes = Appends.defaultQueueBytes();
    private int maxGroupSize = 1000;
    private long maxGroupBytes = 4L << 20;
    private Duration checkpointInterval = Duration.ofSeconds(60);
    private String checkpointOrigin = Checkpoints.DEFAULT_ORIGIN;
    private TransportLimits transport = TransportLimits.DEFAULTS;
    private Path forwardingConfig;
    private Path witnessConfig;
    private Integer tilesPort;
    private String metricsBind = Metrics.NONE.bindAddress();
    private int metricsPort = Metrics.OFF;

    private Builder() {}

    private Builder(ServerConfig c) {
      bind(c.bindAddress).port(c.port);
      tls(c.tls.certFile, c.tls.keyFile, c.tls.trustedCaFile).crl(c.tls.crlFile)
          .tlsProtocols(c.tls.protocols).allowDevCertificates(c.tls.allowDevCertificates);
      appenders(c.access.appenders).readers(c.access.readers).admins(c.access.admins)
          .identityIssuers(c.access.identityIssuers).identityFromCn(c.access.identityFromCn);
      c.access.logAppenders.forEach((log, ids) -> ids.forEach(id -> logAppender(log, id)));
      c.access.logReaders.forEach((log, ids) -> ids.forEach(id -> logReader(log, id)));
      databases.putAll(c.storage.databases);
      logs.putAll(c.storage.logs);
      dataDir(c.storage.dataDir).database(c.storage.database).poolSize(c.storage.poolSize)
          .signingKey(c.storage.signingKeyFile)
          .earlierCheckpointKeys(c.storage.earlierCheckpointKeys);
      logId(c.appends.logId).maxBatchSize(c.appends.maxBatchSize)
          .maxMessageBytes(c.appends.maxMessageBytes).queueCapacity(c.appends.queueCapacity)
          .queueBytes(c.appends.queueBytes).maxGroupSize(c.appends.maxGroupSize)
          .maxGroupBytes(c.appends.maxGroupBytes);
      checkpointInterval(c.checkpoints.interval).checkpointOrigin(c.checkpoints.origin);
      transport(c.transport).forwardingConfig(c.forwardingConfig)
          .witnessConfig(c.witnessConfig).tilesPort(c.tilesPort);
      metrics(c.metrics.bindAddress(), c.metrics.port());
    }

    public Builder bind(String address) {
      this.bindAddress = address;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The server's certificate chain and key, and the CAs trusted for clients. */
    public Builder tls(Path certFile, Path keyFile, Path trustedCaFile) {
      this.certFile = certFile;
      this.keyFile = keyFile;
      this.trustedCaFile = trustedCaFile;
      return this;
    }

    /** Revocation lists for client certificates; null for none. */
    public Builder crl(Path crlFile) {
      this.crlFile = crlFile;
      return this;
    }

    public Builder tlsProtocols(List<String> protocols) {
      this.tlsProtocols = protocols;
      return this;
    }

    /**
     * Whether the development PKI of certs-dev/ may be served on an address other than
     * loopback; default false.
     */
    public Builder allowDevCertificates(boolean allow) {
      this.allowDevCertificates = allow;
      return this;
    }

    public Builder appenders(Set<String> identities) {
      this.appenders = identities;
      return this;
    }

    /** Identities that may replay and resume forwarding destinations. */
    public Builder admins(Set<String> identities) {
      this.admins = identities;
      return this;
    }

    /** The forwarding configuration file; null for no forwarding. */
    public Builder forwardingConfig(Path file) {
      this.forwardingConfig = file;
      return this;
    }

    public Builder witnessConfig(Path witnessConfig) {
      this.witnessConfig = witnessConfig;
      return this;
    }

    /** The tlog-tiles port, 0 for any free one, null for none. */
    public Builder tilesPort(Integer tilesPort) {
      this.tilesPort = tilesPort;
      return this;
    }

    public Builder readers(Set<String> identities) {
      this.readers = identities;
      return this;
    }

    /** Lets {@code identity} be issued by the CAs in {@code caFile}; repeatable. */
    public Builder identityIssuer(String identity, Path caFile) {
      identityIssuers.computeIfAbsent(identity, i -> new ArrayList<>()).add(caFile);
      return this;
    }

    /** Replaces all bindings of identities to the CA files that may issue them. */
    public Builder identityIssuers(Map<String, List<Path>> issuers) {
      identityIssuers.clear();
      issuers.forEach((identity, files) -> identityIssuers.put(identity, new ArrayList<>(files)));
      return this;
    }

    /** Whether a certificate without URI or DNS names is named by its CN; default false. */
    public Builder identityFromCn(boolean identityFromCn) {
      this.identityFromCn = identityFromCn;
      return this;
    }

    /** Lets {@code identity} append to {@code log} ({@code *}: every log); repeatable. */
    public Builder logAppender(String log, String identity) {
      logAppenders.computeIfAbsent(log, l -> new TreeSet<>()).add(identity);
      return this;
    }

    /** Lets {@code identity} read {@code log} ({@code *}: every log); repeatable. */
    public Builder logReader(String log, String identity) {
      logReaders.computeIfAbsent(log, l -> new TreeSet<>()).add(identity);
      return this;
    }

    /** A further database, by name, that logs may live in ({@link #log(String, String)}). */
    public Builder database(String name, DatabaseConfig database) {
      databases.put(name, database);
      return this;
    }

    /**
     * Serves {@code logId} besides the default log, in the database named {@code database}
     * ({@link ServerConfig#DEFAULT_DATABASE} for the one of {@link #database(DatabaseConfig)}).
     */
    public Builder log(String logId, String database) {
      logs.put(logId, database);
      return this;
    }

    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** An external database; null for the embedded one in the data directory. */
    public Builder database(DatabaseConfig database) {
      this.database = database;
      return this;
    }

    public Builder poolSize(int poolSize) {
      this.poolSize = poolSize;
      return this;
    }

    /** The checkpoint signing key; null for the one in the data directory. */
    public Builder signingKey(Path signingKeyFile) {
      this.signingKeyFile = signingKeyFile;
      return this;
    }

    /** Public keys whose earlier checkpoints are trusted, after a key rotation. */
    public Builder earlierCheckpointKeys(List<Path> publicKeyFiles) {
      this.earlierCheckpointKeys = publicKeyFiles;
      return this;
    }

    public Builder logId(String logId) {
      this.logId = logId;
      return this;
    }

    public Builder maxBatchSize(int maxBatchSize) {
      this.maxBatchSize = maxBatchSize;
      return this;
    }

    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    public Builder queueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
      return this;
    }

    public Builder queueBytes(long queueBytes) {
      this.queueBytes = queueBytes;
      return this;
    }

    public Builder maxGroupSize(int maxGroupSize) {
      this.maxGroupSize = maxGroupSize;
      return this;
    }

    public Builder maxGroupBytes(long maxGroupBytes) {
      this.maxGroupBytes = maxGroupBytes;
      return this;
    }

    public Builder checkpointInterval(Duration checkpointInterval) {
      this.checkpointInterval = checkpointInterval;
      return this;
    }

    public Builder checkpointOrigin(String checkpointOrigin) {
      this.checkpointOrigin = checkpointOrigin;
      return this;
    }

    public Builder transport(TransportLimits transport) {
      this.transport = transport;
      return this;
    }

    /** The metrics endpoint's address and port ({@link Metrics#OFF}: none, the default). */
    public Builder metrics(String bindAddress, int port) {
      this.metricsBind = bindAddress;
      this.metricsPort = port;
      return this;
    }

    /**
     * Checks and seals the configuration.
     *
     * @throws IllegalArgumentException naming the first bad flag and its value
     */
    public ServerConfig build() {
      return new ServerConfig(bindAddress, port,
          new Tls(certFile, keyFile, trustedCaFile, crlFile, tlsProtocols, allowDevCertificates),
          new Access(appenders, readers, admins, identityIssuers, identityFromCn, logAppenders,
              logReaders),
          new Storage(dataDir, database, poolSize, signingKeyFile, earlierCheckpointKeys,
              databases, logs),
          new Appends(logId, maxBatchSize, maxMessageBytes, queueCapacity, queueBytes,
              maxGroupSize, maxGroupBytes),
          new Checkpoints(checkpointInterval, checkpointOrigin),
          transport, forwardingConfig, witnessConfig, tilesPort,
          new Metrics(metricsBind, metricsPort));
    }
  }

  private static boolean readable(Path file) {
    return file != null && Files.isRegularFile(file) && Files.isReadable(file);
  }

  static void require(boolean ok, String flag, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(
          "--" + flag + " must be " + expected + ", got '" + value + "'");
    }
  }
}
