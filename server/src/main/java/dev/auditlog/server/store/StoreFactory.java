package dev.auditlog.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Builds the writer's connection pool. */
public final class StoreFactory {
  private StoreFactory() {}

  /**
   * A pool of connections as the writer role. Fails fast on a wrong URL or password
   * (HikariCP's initialization check).
   */
  public static HikariDataSource writerPool(String url, String user, String password, int size) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("audit-writer");
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(Math.min(2, size));
    config.setConnectionTimeout(5_000);
    config.setValidationTimeout(2_000);
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
    return new HikariDataSource(config);
  }
}
