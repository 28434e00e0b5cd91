package dev.auditlog.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;

/**
 * Builds the connection pools. Every wait on the database is bounded, so that a stopped or
 * hung PostgreSQL turns into a retryable store error within seconds instead of blocking the
 * sequencer: a connection is handed out within {@value #CONNECTION_TIMEOUT_MS} ms, opening
 * one (TCP and login) takes at most {@value #CONNECT_TIMEOUT_S} s per host, and no read on an
 * open connection waits longer than {@value #SOCKET_TIMEOUT_S} s.
 *
 * <p>With a multi-host URL ({@code jdbc:postgresql://db1,db2/audit?targetServerType=primary})
 * the driver tries the hosts in turn within one login timeout, so the writer's is long enough
 * ({@value #WRITER_LOGIN_TIMEOUT_S} s) to give up on a host that is gone (its TCP connect
 * times out) or hung (it accepts and never answers: the socket timeout) and still reach the
 * next one. Callers wait for the pool, never for a login: at most
 * {@value #CONNECTION_TIMEOUT_MS} ms.
 */
public final class StoreFactory {
  static final int CONNECTION_TIMEOUT_MS = 3_000;
  static final int CONNECT_TIMEOUT_S = 3;
  static final int SOCKET_TIMEOUT_S = 10;
  static final int WRITER_LOGIN_TIMEOUT_S = CONNECT_TIMEOUT_S + SOCKET_TIMEOUT_S + 2;

  private StoreFactory() {}

  /**
   * A pool of connections as the writer role. Fails fast on a wrong URL or password
   * (HikariCP's initialization check).
   */
  public static HikariDataSource writerPool(String url, String user, String password, int size) {
    return writerPool(url, user, password, size, "audit-writer");
  }

  /** {@link #writerPool(String, String, String, int)} under another pool name (for logs). */
  public static HikariDataSource writerPool(String url, String user, String password, int size,
      String poolName) {
    return writerPool(url, user, password, size, poolName, null);
  }

  /**
   * Like {@link #writerPool(String, String, String, int, String)}, reporting the pool's state
   * to {@code metrics} (null: none) under its name.
   */
  public static HikariDataSource writerPool(String url, String user, String password, int size,
      String poolName, MetricsTrackerFactory metrics) {
    HikariConfig config = new HikariConfig();
    if (metrics != null) {
      config.setMetricsTrackerFactory(metrics);
    }
    config.setPoolName(poolName);
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(Math.min(2, size));
    config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
    config.setValidationTimeout(2_000);
    config.addDataSourceProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_S));
    // The login timeout bounds all hosts together: with the connect timeout's 3 s, a pool
    // whose first host hung never got to the promoted second one (each attempt timed out on
    // the first), and came back only by the driver's host status, seconds later.
    config.addDataSourceProperty("loginTimeout", String.valueOf(WRITER_LOGIN_TIMEOUT_S));
    // A group commit of thousands of rows takes well under a second; a read that waits
    // longer means the server or the network hangs. The connection is then dropped, and
    // the outcome of its commit resolved by the retry's event_id.
    config.addDataSourceProperty("socketTimeout", String.valueOf(SOCKET_TIMEOUT_S));
    // Without it the driver puts the rows of a failed batch (user ids, addresses, the
    // events themselves) into exception messages, and HikariCP logs those when it drops a
    // broken connection: audit content must not end up in the server's log.
    config.addDataSourceProperty("logServerErrorDetail", "false");
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    config.addDataSourceProperty("ApplicationName", "audit-server");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    return new HikariDataSource(config);
  }

  /** A small pool for migrations, as the schema owner. */
  public static HikariDataSource ownerPool(String url, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("audit-owner");
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(3); // Flyway holds one for its lock, one to migrate
    config.setConnectionTimeout(10_000);
    // Bounded like the writer's, so that an unreachable database refuses the start; no
    // socket timeout, since a migration may run long statements.
    config.addDataSourceProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_S));
    config.addDataSourceProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT_S));
    return new HikariDataSource(config);
  }
}
