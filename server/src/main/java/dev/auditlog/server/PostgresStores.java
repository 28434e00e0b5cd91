package dev.auditlog.server;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import dev.auditlog.server.ServerConfig.DatabaseConfig;
import dev.auditlog.server.store.Migrations;
import dev.auditlog.server.store.PostgresAuditStore;
import dev.auditlog.server.store.PostgresRetention;
import dev.auditlog.server.store.PostgresRetention.InForce;
import dev.auditlog.server.store.Retention;
import dev.auditlog.server.store.StoreFactory;
import dev.auditlog.server.store.WriterRole;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the audit store on a PostgreSQL database, the one way the server and the tests
 * both do it: migrate the schema as the owner (unless told not to), connect as the writer,
 * refuse a writer role that could change entries, and give the forwarders a pool of their
 * own. Messages name the flags (--db-url, --db-user, --db-owner-user) and never a password.
 */
public final class PostgresStores {
  private static final Logger log = LoggerFactory.getLogger(PostgresStores.class);

  private PostgresStores() {}

  /**
   * Opens {@code db}.
   *
   * @param poolSize writer connections for appends and reads
   * @param forwardingPoolSize writer connections for the forwarders (each holds one for its
   *     lease); 0 when nothing is forwarded: they then share the writer pool
   * @param migrate whether to migrate the schema as the owner first
   * @param onClose closed with the store after its pools (an embedded database), or null
   * @throws IllegalStateException naming the flag, if the database cannot be migrated or
   *     reached, or the writer role is not append-only
   */
  public static PostgresAuditStore open(DatabaseConfig db, int poolSize, int forwardingPoolSize,
      boolean migrate, AutoCloseable onClose) {
    return open(db, poolSize, forwardingPoolSize, migrate, onClose, null);
  }

  /**
   * Like {@link #open(DatabaseConfig, int, int, boolean, AutoCloseable)}, with the pools'
   * state reported to {@code poolMetrics} (null: none).
   */
  public static PostgresAuditStore open(DatabaseConfig db, int poolSize, int forwardingPoolSize,
      boolean migrate, AutoCloseable onClose, MetricsTrackerFactory poolMetrics) {
    return open(db, poolSize, forwardingPoolSize, migrate, onClose, poolMetrics, "");
  }

  private static PostgresAuditStore open(DatabaseConfig db, int poolSize,
      int forwardingPoolSize, boolean migrate, AutoCloseable onClose,
      MetricsTrackerFactory poolMetrics, String poolSuffix) {
    String schema = migrate ? "schema " + db.schema() + " at version " + migrate(db)
        : "schema " + db.schema() + " (not migrated: --migrate never)";
    List<AutoCloseable> pools = new ArrayList<>();
    try {
      HikariDataSource writer = writerPool(db, poolSize, "audit-writer" + poolSuffix, poolMetrics);
      pools.add(writer);
      requireAppendOnlyWriter(writer, db);
      log.info("database {} at {} as {} ({} connections), {}", product(writer),
          withoutQuery(db.url()), db.user(), poolSize, schema);
      HikariDataSource forwarding = forwardingPoolSize == 0 ? writer
          : writerPool(db, forwardingPoolSize, "audit-forwarding" + poolSuffix, poolMetrics);
      if (forwarding != writer) {
        pools.add(forwarding);
      }
      return new PostgresAuditStore(writer, forwarding, db.schema(), () -> {
        for (int i = pools.size() - 1; i >= 0; i--) {
          pools.get(i).close();
        }
        if (onClose != null) {
          onClose.close();
        }
      });
    } catch (RuntimeException e) {
      for (AutoCloseable pool : pools) {
        closeQuietly(pool);
      }
      throw e;
    }
  }

  /**
   * Records the retention of {@code logId} as the owner, or only reads it without the owner
   * (--migrate never), and logs the one in force.
   *
   * @param requested --retention, or null for the recorded one (one year for a new log)
   * @throws IllegalArgumentException if {@code requested} is shorter than the recorded one
   * @throws IllegalStateException if the retention cannot be read or recorded, or a longer one
   *     is asked for without the owner
   */
  public static InForce retention(DatabaseConfig db, String logId, Retention requested,
      boolean asOwner) {
    try {
      InForce r = asOwner ? recordAsOwner(db, logId, requested) : read(db, logId, requested);
      if (r == null) {
        log.info("retention of log '{}': none recorded yet (--migrate never), the server"
            + " starting with the owner will record {}", logId,
            requested == null ? Retention.DEFAULT : requested);
      } else {
        log.info("retention of log '{}': at least {}, {} at {} by {} ({} recorded)", logId,
            r.retention(), r.extended() ? "recorded now" : "recorded", r.recordedAt(),
            r.recordedBy(), r.records());
      }
      return r;
    } catch (SQLException e) {
      throw new IllegalStateException("recording the retention of log '" + logId + "' in "
          + withoutQuery(db.url()) + " failed", e);
    }
  }

  private static InForce recordAsOwner(DatabaseConfig db, String logId, Retention requested)
      throws SQLException {
    try (HikariDataSource owner =
        StoreFactory.ownerPool(db.url(), db.ownerUser(), db.ownerPassword())) {
      return PostgresRetention.record(owner, db.schema(), logId, requested);
    }
  }

  private static InForce read(DatabaseConfig db, String logId, Retention requested)
      throws SQLException {
    InForce r;
    try (HikariDataSource writer =
        StoreFactory.writerPool(db.url(), db.user(), db.password(), 1, "audit-retention")) {
      r = PostgresRetention.current(writer, db.schema(), logId).orElse(null);
    }
    if (requested != null && (r == null || requested.longerThan(r.retention()))) {
      throw new IllegalStateException("--retention " + requested + " for log '" + logId
          + "' needs the owner to record it: start once with --migrate auto or only");
    }
    if (r != null && r.retention().longerThan(requested == null ? r.retention() : requested)) {
      throw new IllegalArgumentException("--retention " + requested + " is shorter than the"
          + " retention of log '" + logId + "', " + r.retention() + "; a retention can be"
          + " extended, never shortened");
    }
    return r;
  }

  /**
   * Like {@link #open(DatabaseConfig, int, int, boolean, AutoCloseable, MetricsTrackerFactory)}
   * for the database named {@code name} by {@code --database}: its pools are named for it
   * ({@code audit-writer-NAME}), and a failure names it.
   */
  public static PostgresAuditStore open(String name, DatabaseConfig db, int poolSize,
      int forwardingPoolSize, boolean migrate, AutoCloseable onClose,
      MetricsTrackerFactory poolMetrics) {
    try {
      return open(db, poolSize, forwardingPoolSize, migrate, onClose, poolMetrics,
          "-" + name);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("database '" + name + "' (--database " + name + "=...): "
          + e.getMessage(), e);
    }
  }

  /** Migrates the schema as the owner; returns the version it is at now. */
  private static String migrate(DatabaseConfig db) {
    try (HikariDataSource owner =
        StoreFactory.ownerPool(db.url(), db.ownerUser(), db.ownerPassword())) {
      var result = Migrations.migrate(owner, db.schema(), db.user());
      if (result.targetSchemaVersion == null) {
        return result.initialSchemaVersion;
      }
      return result.targetSchemaVersion + (result.migrationsExecuted == 0 ? ""
          : " (migrated from " + (result.initialSchemaVersion == null ? "none"
              : result.initialSchemaVersion) + ")");
    } catch (RuntimeException e) {
      throw new IllegalStateException("migrating schema " + db.schema() + " at "
          + withoutQuery(db.url()) + " as --db-owner-user " + db.ownerUser()
          + " failed (check that PostgreSQL is reachable, that the role exists and"
          + " --db-owner-password)", e);
    }
  }

  private static HikariDataSource writerPool(DatabaseConfig db, int size, String name,
      MetricsTrackerFactory metrics) {
    try {
      return StoreFactory.writerPool(db.url(), db.user(), db.password(), size, name, metrics);
    } catch (RuntimeException e) {
      throw new IllegalStateException("connecting to " + withoutQuery(db.url())
          + " as --db-user " + db.user() + " failed", e);
    }
  }

  private static void requireAppendOnlyWriter(HikariDataSource writer, DatabaseConfig db) {
    List<String> problems;
    try {
      problems = WriterRole.problems(writer, db.schema());
    } catch (SQLException e) {
      throw new IllegalStateException("checking the privileges of --db-user " + db.user()
          + " failed", e);
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("--db-user " + db.user() + " must be a role that may"
          + " only INSERT and SELECT in schema " + db.schema() + ", but "
          + String.join("; ", problems));
    }
  }

  /** The database's name and version, e.g. "PostgreSQL 18.1". */
  private static String product(HikariDataSource pool) {
    try (Connection c = pool.getConnection()) {
      DatabaseMetaData meta = c.getMetaData();
      return meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion();
    } catch (SQLException e) {
      return "PostgreSQL";
    }
  }

  /** The URL without its parameters, which may hold a password. */
  static String withoutQuery(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // Closing after a failed start; the start's failure is what matters.
    }
  }
}
