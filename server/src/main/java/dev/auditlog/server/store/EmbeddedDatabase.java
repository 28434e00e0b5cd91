package dev.auditlog.server.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run by this process from the binaries on the class path, keeping its
 * cluster in a {@link StateDirectory} across restarts: for development and single-host use
 * without a database to set up.
 *
 * <p>No login without a password, from the very first start: initdb sets the superuser's
 * password and writes SCRAM-SHA-256 for every connection (no moment with {@code trust}), the
 * server listens on 127.0.0.1 only and has no Unix-domain socket. The passwords of the
 * superuser {@value #SUPERUSER} and of the roles {@link #provision} creates are generated into
 * {@link StateDirectory#secrets()}, outside the cluster, where only the server's operating-
 * system user may read them.
 *
 * <p>A cluster of an earlier version (in the state directory itself, with {@code trust}
 * authentication and roles without passwords) is moved, its superuser given a password in
 * single-user mode before it accepts any connection, and its other roles given theirs by
 * {@link #provision}, which logs what was migrated.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  /** The superuser role. */
  public static final String SUPERUSER = "postgres";
  /** The file in the state directory that initdb's and PostgreSQL's own output go to. */
  public static final String LOG_FILE = "postgres.log";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final StateDirectory state;
  private final RolePasswords passwords;
  private final List<String> migrated;

  private EmbeddedDatabase(EmbeddedPostgres postgres, StateDirectory state,
      RolePasswords passwords, List<String> migrated) {
    this.postgres = postgres;
    this.state = state;
    this.passwords = passwords;
    this.migrated = migrated;
  }

  /**
   * Starts PostgreSQL on a free loopback port with its cluster in {@code stateDirectory}'s
   * {@code postgres/} (initialized when missing, moved there from the old layout), with
   * durable commits ({@code synchronous_commit = on}).
   *
   * @throws IOException if it cannot start; the message never holds a password
   */
  public static EmbeddedDatabase start(Path stateDirectory) throws IOException {
    StateDirectory state = StateDirectory.open(stateDirectory);
    RolePasswords passwords = RolePasswords.in(state.secrets());
    String superuserPassword = passwords.of(SUPERUSER);
    List<String> migrated = new ArrayList<>();
    if (state.movedOldCluster()) {
      migrated.add("cluster moved into " + state.cluster());
    }
    Path cluster = state.cluster();
    if (Files.exists(cluster.resolve("PG_VERSION"))
        && (!HbaFile.isCurrent(cluster) || passwords.generatedNow(SUPERUSER))) {
      // Before the cluster takes any connection: with the old pg_hba.conf it would trust
      // them, and with the new one nobody could log in to set the password.
      SingleUserMode.setPassword(cluster, SUPERUSER, superuserPassword);
      migrated.add("password set for role " + SUPERUSER);
      if (!HbaFile.isCurrent(cluster)) {
        migrated.add(HbaFile.FILE_NAME + " replaced by one that requires scram-sha-256");
      }
    }
    Path logFile = logFile(state);
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(cluster)
        // initdb's progress and the postmaster's log lines (the postmaster keeps the file
        // open) go to a file of their own, so that the server's log says only what matters.
        .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .setCleanDataDirectory(false)
        // The owner closes it in order (server, then database); the library's own hook
        // would stop PostgreSQL while queued appends are still being committed.
        .setRegisterShutdownHook(false)
        // initdb takes the last -A/--auth* option, and the library passes "-A trust" before
        // these: the cluster is made with passwords for every connection.
        .setLocaleConfig("auth-host", "scram-sha-256")
        .setLocaleConfig("auth-local", "scram-sha-256")
        .setLocaleConfig("pwfile", passwords.file(SUPERUSER).toString())
        .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
        .setConnectConfig("password", superuserPassword)
        .setServerConfig("password_encryption", "scram-sha-256")
        .setServerConfig("listen_addresses", "127.0.0.1")
        // pg_ctl passes these through a shell: '' is the empty string, no socket at all.
        .setServerConfig("unix_socket_directories", "''")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("fsync", "on")
        .setServerConfig("full_page_writes", "on");
    EmbeddedPostgres pg;
    try {
      pg = builder.start();
    } catch (IOException e) {
      throw new IOException("the embedded PostgreSQL in " + cluster + " did not start (its"
          + " output is in " + logFile + "): " + e.getMessage(), e);
    }
    return new EmbeddedDatabase(pg, state, passwords, migrated);
  }

  /** The log file of the state directory, created readable by its owner only when missing. */
  private static Path logFile(StateDirectory state) throws IOException {
    Path file = state.root().resolve(LOG_FILE);
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      Files.createFile(file,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    return file;
  }

  private static void writeHba(Path cluster) {
    try {
      HbaFile.write(cluster);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + cluster.resolve(HbaFile.FILE_NAME), e);
    }
  }

  /** The port PostgreSQL listens on (loopback). */
  public int port() {
    return postgres.getPort();
  }

  /** A JDBC URL for {@code database} on this server, without credentials. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  /** The PostgreSQL cluster's directory (where {@code postmaster.pid} is). */
  public Path clusterDirectory() {
    return state.cluster();
  }

  /** The file that PostgreSQL's own output goes to, {@value #LOG_FILE} in the state directory. */
  public Path logFile() {
    return state.root().resolve(LOG_FILE);
  }

  /** The directory of the password files. */
  public Path secretsDirectory() {
    return state.secrets();
  }

  /** The file with {@code role}'s password. */
  public Path passwordFile(String role) {
    return passwords.file(role);
  }

  /**
   * The password of {@code role} ({@value #SUPERUSER} or one that {@link #provision} made).
   *
   * @throws IOException if its file cannot be read or group or others may use it
   */
  public String password(String role) throws IOException {
    return passwords.of(role);
  }

  /** Connections as the superuser to the {@code postgres} database. */
  public DataSource superuser() {
    return postgres.getPostgresDatabase();
  }

  /**
   * Creates, when missing, the login roles {@code owner} and {@code writer} with their
   * passwords and the database {@code database} owned by {@code owner}, which only the two may
   * connect to. A role without a password (made by an earlier version), or whose password
   * file was missing, gets the one in its file. Logs once what was migrated from an earlier
   * version, if anything.
   *
   * @throws IOException if a password file cannot be read or written
   */
  public void provision(String database, String owner, String writer)
      throws SQLException, IOException {
    Migrations.requireIdentifier("database", database);
    Migrations.requireIdentifier("owner role", owner);
    Migrations.requireIdentifier("writer role", writer);
    try (Connection c = superuser().getConnection(); Statement s = c.createStatement()) {
      provisionRole(c, owner);
      provisionRole(c, writer);
      if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
        s.execute("CREATE DATABASE " + database + " OWNER " + owner);
      }
      s.execute("REVOKE ALL ON DATABASE " + database + " FROM PUBLIC");
      s.execute("GRANT CONNECT ON DATABASE " + database + " TO " + writer);
    }
    if (!migrated.isEmpty()) {
      log.info("migrated the embedded PostgreSQL in {}: {} (passwords in {})", state.root(),
          String.join(", ", migrated), state.secrets());
      migrated.clear();
    }
  }

  private void provisionRole(Connection c, String role) throws SQLException, IOException {
    String password = passwords.of(role);
    if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
      }
      setPassword(c, role, password);
    } else if (passwords.generatedNow(role)
        || exists(c, "SELECT 1 FROM pg_authid WHERE rolname = ? AND rolpassword IS NULL",
            role)) {
      setPassword(c, role, password);
      migrated.add("password set for role " + role);
    }
  }

  /** Sends only the SCRAM-SHA-256 verifier, so the password is in no statement or log. */
  private static void setPassword(Connection c, String role, String password)
      throws SQLException {
    c.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(),
        "scram-sha-256");
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
