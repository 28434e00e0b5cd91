package dev.auditlog.server;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.server.store.EmbeddedDatabase;
import dev.auditlog.server.store.Migrations;
import dev.auditlog.server.store.PostgresAuditStore;
import dev.auditlog.server.store.StoreFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh, migrated database on a real PostgreSQL 18 (embedded, one per test JVM, started
 * by the server's own {@link EmbeddedDatabase}, so with its passwords), with the same roles
 * the server uses: {@code audit_owner} owns the schema, {@code audit_writer} may only INSERT
 * and SELECT. {@link #password} tells the generated passwords.
 */
public final class TestDatabase implements AutoCloseable {
  public static final String SCHEMA = "audit";
  public static final String OWNER = "audit_owner";
  public static final String WRITER = "audit_writer";

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedDatabase postgres;

  private final String name;
  private final HikariDataSource writer;

  private TestDatabase(String name, HikariDataSource writer) {
    this.name = name;
    this.writer = writer;
  }

  /** Creates and migrates a new database. */
  public static TestDatabase create() {
    try {
      EmbeddedDatabase pg = server();
      String name = "audit_test_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid();
      pg.provision(name, OWNER, WRITER);
      try (HikariDataSource owner =
          StoreFactory.ownerPool(pg.jdbcUrl(name), OWNER, password(OWNER))) {
        Migrations.migrate(owner, SCHEMA, WRITER);
      }
      return new TestDatabase(name,
          StoreFactory.writerPool(pg.jdbcUrl(name), WRITER, password(WRITER), 8));
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("provisioning a test database failed", e);
    }
  }

  /**
   * Creates a database with the owner and writer roles but without the schema, as an
   * operator would hand it to the server; returns its JDBC URL (without credentials: see
   * {@link #password}).
   */
  public static String createUnmigrated() {
    try {
      EmbeddedDatabase pg = server();
      String name = "audit_ext_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid();
      pg.provision(name, OWNER, WRITER);
      return pg.jdbcUrl(name);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("provisioning a test database failed", e);
    }
  }

  /**
   * The password of {@code role} on the test PostgreSQL: {@code postgres} (the superuser),
   * {@link #OWNER} or {@link #WRITER}.
   */
  public static String password(String role) {
    try {
      return server().password(role);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A connection as {@code role}, with its password, to the database at {@code jdbcUrl}. */
  public static Connection connect(String jdbcUrl, String role) throws SQLException {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(jdbcUrl);
    ds.setUser(role);
    ds.setPassword(password(role));
    return ds.getConnection();
  }

  /** Counts the entries in the database at {@code jdbcUrl}, as the superuser. */
  public static long countEntries(String jdbcUrl) throws SQLException {
    try (Connection c = connect(jdbcUrl, EmbeddedDatabase.SUPERUSER);
        Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".entry")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static synchronized EmbeddedDatabase server() {
    if (postgres == null) {
      try {
        Path dir = Files.createTempDirectory("audit-test-pg");
        postgres = EmbeddedDatabase.start(dir);
        EmbeddedDatabase started = postgres;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            started.close();
            deleteRecursively(dir);
          } catch (IOException ignored) {
            // The JVM is exiting; a leftover temporary directory is harmless.
          }
        }));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return postgres;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** This database's JDBC URL, without credentials. */
  public String jdbcUrl() {
    return server().jdbcUrl(name);
  }

  /** A store writing as the writer role; closing it leaves the pool open. */
  public PostgresAuditStore store() {
    return new PostgresAuditStore(writer, SCHEMA, null);
  }

  /** Connections as the writer role. */
  public DataSource writer() {
    return writer;
  }

  /**
   * A connection as {@code role} ({@code postgres}, {@link #OWNER} or {@link #WRITER}), with
   * its password.
   */
  public Connection connectAs(String role) throws SQLException {
    return connect(jdbcUrl(), role);
  }

  /** A connection as the superuser {@code postgres}. */
  public Connection superuser() throws SQLException {
    return connectAs(EmbeddedDatabase.SUPERUSER);
  }

  /**
   * Runs {@code statements} as the superuser with the entry table's triggers disabled, as
   * an attacker with database superuser rights would, and enables them again (ALWAYS).
   */
  public void tamper(String... statements) throws SQLException {
    try (Connection c = superuser(); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE " + SCHEMA + ".entry DISABLE TRIGGER ALL");
      for (String sql : statements) {
        s.execute(sql);
      }
      s.execute("ALTER TABLE " + SCHEMA + ".entry ENABLE ALWAYS TRIGGER entry_no_update_delete");
      s.execute("ALTER TABLE " + SCHEMA + ".entry ENABLE ALWAYS TRIGGER entry_no_truncate");
      s.execute("ALTER TABLE " + SCHEMA + ".entry ENABLE ALWAYS TRIGGER entry_chain_guard");
      s.execute("ALTER TABLE " + SCHEMA + ".entry ENABLE ALWAYS TRIGGER entry_event_record");
    }
  }

  /** Counts the rows of the entry table, as the superuser. */
  public long countEntries() throws SQLException {
    try (Connection c = superuser(); Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".entry")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() {
    writer.close();
  }
}
