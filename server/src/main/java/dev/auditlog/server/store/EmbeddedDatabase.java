package dev.auditlog.server.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * A PostgreSQL server run by this process from the binaries on the class path, keeping its
 * data in a directory across restarts: for development and single-host use without a
 * database to set up. It listens on loopback only and trusts local connections, so it is
 * no place for a shared host.
 *
 * <p>{@link #provision} creates the owner and writer roles and the database; migrations
 * then run as the owner and the server writes as the writer, as with an external database.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on a free loopback port with its data in {@code dataDirectory}
   * (initialized when empty), with durable commits ({@code synchronous_commit = on}).
   *
   * @throws IOException if it cannot start
   */
  public static EmbeddedDatabase start(Path dataDirectory) throws IOException {
    Files.createDirectories(dataDirectory);
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(false)
            // The owner closes it in order (server, then database); the library's own hook
            // would stop PostgreSQL while queued appends are still being committed.
            .setRegisterShutdownHook(false)
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("listen_addresses", "127.0.0.1")
            .start();
    return new EmbeddedDatabase(pg);
  }

  /** The port PostgreSQL listens on (loopback). */
  public int port() {
    return postgres.getPort();
  }

  /** A JDBC URL for {@code database} on this server. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  /** Connections as the superuser to the {@code postgres} database. */
  public DataSource superuser() {
    return postgres.getPostgresDatabase();
  }

  /**
   * Creates, when missing, the login roles {@code owner} and {@code writer} and the
   * database {@code database} owned by {@code owner}, which only the two may connect to.
   */
  public void provision(String database, String owner, String writer) throws SQLException {
    Migrations.requireIdentifier("database", database);
    Migrations.requireIdentifier("owner role", owner);
    Migrations.requireIdentifier("writer role", writer);
    try (Connection c = superuser().getConnection(); Statement s = c.createStatement()) {
      createRoleIfMissing(c, owner);
      createRoleIfMissing(c, writer);
      if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
        s.execute("CREATE DATABASE " + database + " OWNER " + owner);
      }
      s.execute("REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
      s.execute("GRANT CONNECT ON DATABASE " + database + " TO " + writer);
    }
  }

  private static void createRoleIfMissing(Connection c, String role) throws SQLException {
    if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
      }
    }
  }

  private static boolean exists(Connection c, String sql, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Stops PostgreSQL (a fast shutdown: committed data is safe). */
  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
