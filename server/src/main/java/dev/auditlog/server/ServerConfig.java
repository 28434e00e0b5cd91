package dev.auditlog.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The server's configuration, checked once when built; immutable. Every message names the
 * field and the bad value.
 *
 * @param bindAddress the address to listen on, e.g. 127.0.0.1 or 0.0.0.0
 * @param port the TCP port, 0 for any free one
 * @param certFile the server's certificate chain (PEM)
 * @param keyFile the server's private key (PKCS#8 PEM)
 * @param trustedCaFile the CA(s) that sign client certificates (PEM)
 * @param tlsProtocols TLSv1.3, and TLSv1.2 only when asked for
 * @param appenders identities that may append
 * @param readers identities that may list
 * @param dataDir where the embedded PostgreSQL keeps its data (used when dbUrl is null)
 * @param database the external database, or null for the embedded one
 * @param logId the log's identifier
 * @param maxBatchSize most events per AppendBatch
 * @param maxMessageBytes largest inbound message
 * @param queueCapacity most appends waiting for the sequencer
 * @param maxGroupSize most appends committed in one transaction
 * @param poolSize writer connections
 * @param signingKeyFile the checkpoint signing key (PKCS#8 PEM), or null for the one in
 *     dataDir, generated on first start
 * @param checkpointInterval how often a checkpoint is signed, busy or idle
 * @param transport limits on connections and calls
 * @param crlFile revocation lists for client certificates (PEM), or null for none
 */
public record ServerConfig(
    String bindAddress,
    int port,
    Path certFile,
    Path keyFile,
    Path trustedCaFile,
    List<String> tlsProtocols,
    Set<String> appenders,
    Set<String> readers,
    Path dataDir,
    DatabaseConfig database,
    String logId,
    int maxBatchSize,
    int maxMessageBytes,
    int queueCapacity,
    int maxGroupSize,
    int poolSize,
    Path signingKeyFile,
    Duration checkpointInterval,
    TransportLimits transport,
    Path crlFile) {

  private static final Set<String> PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

  public ServerConfig {
    require(bindAddress != null && !bindAddress.isBlank(), "bind", bindAddress, "an address");
    require(port >= 0 && port <= 65535, "port", port, "0..65535");
    require(readable(certFile), "cert", certFile, "a readable PEM file");
    require(readable(keyFile), "key", keyFile, "a readable PEM file");
    require(readable(trustedCaFile), "ca", trustedCaFile, "a readable PEM file");
    require(tlsProtocols != null && !tlsProtocols.isEmpty()
        && PROTOCOLS.containsAll(tlsProtocols), "tls-protocols", tlsProtocols,
        "TLSv1.3 and/or TLSv1.2");
    require(appenders != null && appenders.stream().noneMatch(String::isBlank),
        "appenders", appenders, "identities");
    require(readers != null && readers.stream().noneMatch(String::isBlank),
        "readers", readers, "identities");
    require(database != null || dataDir != null, "data-dir", dataDir,
        "a directory when no --db-url is given");
    require(logId != null && logId.matches("[A-Za-z0-9._-]{1,64}"), "log-id", logId,
        "1..64 of letters, digits, '.', '_', '-'");
    require(maxBatchSize >= 1 && maxBatchSize <= 10_000, "max-batch", maxBatchSize, "1..10000");
    require(maxMessageBytes >= 64 * 1024 && maxMessageBytes <= 64 * 1024 * 1024,
        "max-message-bytes", maxMessageBytes, "65536..67108864");
    require(queueCapacity >= 1, "queue-capacity", queueCapacity, ">= 1");
    require(maxGroupSize >= 1 && maxGroupSize <= 10_000, "group-size", maxGroupSize, "1..10000");
    require(poolSize >= 2 && poolSize <= 100, "db-pool-size", poolSize, "2..100");
    require(signingKeyFile != null || dataDir != null, "signing-key", signingKeyFile,
        "a PEM file when there is no --data-dir to keep a generated key in");
    require(checkpointInterval != null && checkpointInterval.compareTo(Duration.ofSeconds(1)) >= 0
        && checkpointInterval.compareTo(Duration.ofDays(1)) <= 0, "checkpoint-interval",
        checkpointInterval == null ? null : checkpointInterval.toSeconds(), "1..86400 seconds");
    require(transport != null, "transport", transport, "transport limits");
    require(crlFile == null || readable(crlFile), "crl", crlFile, "a readable PEM file");
    tlsProtocols = List.copyOf(tlsProtocols);
    appenders = Set.copyOf(appenders);
    readers = Set.copyOf(readers);
  }

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
   */
  public record TransportLimits(int maxMetadataBytes, int maxCallsPerConnection,
      Duration maxConnectionAge, Duration maxConnectionAgeGrace, Duration handshakeTimeout) {
    public static final TransportLimits DEFAULTS = new TransportLimits(16 * 1024, 200,
        Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofSeconds(10));

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
    }
  }

  /**
   * An external PostgreSQL: the writer's credentials, and the schema owner's, with which
   * migrations run.
   */
  public record DatabaseConfig(String url, String user, String password, String ownerUser,
      String ownerPassword, String schema) {
    public DatabaseConfig {
      require(url != null && url.startsWith("jdbc:postgresql:"), "db-url", url,
          "jdbc:postgresql://host:port/database");
      require(user != null && !user.isBlank(), "db-user", user, "the writer role");
      require(ownerUser != null && !ownerUser.isBlank(), "db-owner-user", ownerUser,
          "the schema owner role (runs migrations)");
      require(!ownerUser.equals(user), "db-owner-user", ownerUser,
          "a role other than --db-user: the writer must not own the schema");
      require(schema != null && schema.matches("[a-z_][a-z0-9_]{0,62}"), "db-schema", schema,
          "a lowercase SQL identifier");
    }

    @Override
    public String toString() {
      return "DatabaseConfig[url=" + url + ", user=" + user + ", ownerUser=" + ownerUser
          + ", schema=" + schema + "]";
    }
  }

  private static boolean readable(Path file) {
    return file != null && Files.isRegularFile(file) && Files.isReadable(file);
  }

  private static void require(boolean ok, String field, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(
          "--" + field + " must be " + expected + ", got '" + value + "'");
    }
  }
}
