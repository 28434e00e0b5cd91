package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.server.store.Migrations;
import dev.auditlog.server.store.StoreFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server jar refusing to start: each refusal is one line, {@code audit-server: cannot
 * start: ...}, that says what to fix, without a stack trace, and a non-zero exit, in
 * bounded time. The database cases use an external (test) PostgreSQL, so no embedded one
 * is started; a writer role that could change entries is made there as an operator might
 * misconfigure it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RefusedStartIT {
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(45);
  private static final String BAD_WRITER_PASSWORD = "bad-writer-password";
  private static final AtomicInteger ROLES = new AtomicInteger();

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();

  @AfterEach
  void stopEverything() {
    processes.forEach(ServerProcess::kill);
  }

  @Test
  void portInUse_namesTheAddressAndPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String port = String.valueOf(taken.getLocalPort());
      ServerProcess server = external(TestDatabase.createUnmigrated(), "--port", port);

      assertRefused(server, "127.0.0.1:" + port, "in use", "--port");
    }
  }

  @Test
  void certificateFileThatIsNotPem_namesTheFile() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.pem"), "not a certificate\n");
    ServerProcess server =
        external(TestDatabase.createUnmigrated(), "--port", "0", "--cert", bad.toString());

    assertRefused(server, bad.toString());
  }

  @Test
  void databaseUnreachable_namesTheDatabase() {
    ServerProcess server = external("jdbc:postgresql://127.0.0.1:1/audit", "--port", "0");

    assertRefused(server, "127.0.0.1:1");
  }

  @Test
  void databaseThatNeverAnswers_isRefusedInBoundedTime() throws Exception {
    try (TcpRelay hung = new TcpRelay(1)) {
      hung.pause();
      ServerProcess server =
          external("jdbc:postgresql://127.0.0.1:" + hung.port() + "/audit", "--port", "0");

      assertRefused(server, "127.0.0.1:" + hung.port());
    }
  }

  @Test
  void schemaOwnerRoleMissing_namesTheRoleAndTheFlag() {
    ServerProcess server = external(TestDatabase.createUnmigrated(), "--port", "0",
        "--db-owner-user", "no_such_owner");

    assertRefused(server, "no_such_owner", "--db-owner-user");
  }

  @Test
  void twoTrustedCasWithoutIdentityBindings_namesTheIdentityAndTheFlag_beforeTheDatabase()
      throws Exception {
    Path both = Files.writeString(tmp.resolve("both.pem"), Files.readString(TestCerts.pem("ca"))
        + Files.readString(TestCerts.pem("other-ca")));
    ServerProcess server = external("jdbc:postgresql://127.0.0.1:1/audit", "--port", "0",
        "--ca", both.toString(), "--identity-issuer", "auth-backend=" + TestCerts.pem("ca"));

    assertRefused(server, "holds 2 CA certificates", "--identity-issuer auditor=");
  }

  @Test
  void identityBoundToACaThatIsNotTrusted_namesTheBindingAndTheCa() {
    ServerProcess server = external("jdbc:postgresql://127.0.0.1:1/audit", "--port", "0",
        "--identity-issuer", "auditor=" + TestCerts.pem("other-ca"));

    assertRefused(server, "--identity-issuer auditor=", "CN=Audit Other CA", "--ca");
  }

  @Test
  void devCertificatesOnANonLoopbackAddress_nameAllowDevCertificates_beforeBindingAnything() {
    ServerProcess server = external("jdbc:postgresql://127.0.0.1:1/audit", "--port", "0",
        "--bind", "0.0.0.0");

    assertRefused(server, "development PKI", "--bind 0.0.0.0", "--allow-dev-certificates");
  }

  @Test
  void writerRoleGrantedUpdate_isRefusedNamingTheRoleAndTheRevoke() throws Exception {
    String url = TestDatabase.createUnmigrated();
    String role = loginRole(url, "");
    migrate(url, role);
    superuser(url, "GRANT UPDATE ON audit.entry TO " + role);

    ServerProcess server = external(url, "--port", "0", "--db-user", role,
        "--db-password", BAD_WRITER_PASSWORD);

    assertRefused(server, "--db-user " + role, "only INSERT and SELECT",
        "it holds UPDATE on audit.entry (REVOKE UPDATE ON audit.entry FROM " + role + ")");
  }

  @Test
  void writerRoleThatIsASuperuser_isRefused() throws Exception {
    String url = TestDatabase.createUnmigrated();
    String role = loginRole(url, "SUPERUSER");

    ServerProcess server = external(url, "--port", "0", "--db-user", role,
        "--db-password", BAD_WRITER_PASSWORD);

    assertRefused(server, "--db-user " + role, "it is a superuser",
        "ALTER ROLE " + role + " NOSUPERUSER");
  }

  @Test
  void writerRoleThatIsAMemberOfTheSchemaOwner_isRefused() throws Exception {
    String url = TestDatabase.createUnmigrated();
    String role = loginRole(url, "");
    migrate(url, role);
    superuser(url, "GRANT " + TestDatabase.OWNER + " TO " + role);

    ServerProcess server = external(url, "--port", "0", "--db-user", role,
        "--db-password", BAD_WRITER_PASSWORD);

    assertRefused(server, "--db-user " + role, "it has the privileges of audit_owner, which"
        + " owns schema audit", "REVOKE audit_owner FROM " + role);
  }

  /** A new login role with {@code attributes} that may connect to the database at url. */
  private static String loginRole(String url, String attributes) throws SQLException {
    String role = "bad_writer_" + ROLES.incrementAndGet() + "_" + ProcessHandle.current().pid();
    String database = url.substring(url.lastIndexOf('/') + 1);
    superuser(url, "CREATE ROLE " + role + " LOGIN " + attributes + " PASSWORD '"
        + BAD_WRITER_PASSWORD + "'", "GRANT CONNECT ON DATABASE " + database + " TO " + role);
    return role;
  }

  /** Migrates the schema as the owner, granting {@code writer} INSERT and SELECT. */
  private static void migrate(String url, String writer) {
    try (HikariDataSource owner = StoreFactory.ownerPool(url, TestDatabase.OWNER,
        TestDatabase.password(TestDatabase.OWNER))) {
      Migrations.migrate(owner, TestDatabase.SCHEMA, writer);
    }
  }

  private static void superuser(String url, String... statements) throws SQLException {
    try (Connection c = TestDatabase.connect(url, "postgres");
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  private ServerProcess external(String url, String... args) {
    List<String> all = new ArrayList<>(List.of("--db-url", url));
    all.addAll(List.of(args));
    if (!all.contains("--db-user")) {
      all.addAll(List.of("--db-user", TestDatabase.WRITER));
    }
    if (!all.contains("--db-owner-user")) {
      all.addAll(List.of("--db-owner-user", TestDatabase.OWNER));
    }
    if (!all.contains("--db-password")) {
      all.addAll(List.of("--db-password", TestDatabase.password(TestDatabase.WRITER)));
    }
    if (!all.contains("--db-owner-password")) {
      all.addAll(List.of("--db-owner-password", TestDatabase.password(TestDatabase.OWNER)));
    }
    Path unused = tmp.resolve("unused");
    ServerProcess server = ServerProcess.start(unused, all.toArray(String[]::new));
    processes.add(server);
    return server;
  }

  private static void assertRefused(ServerProcess server, String... words) {
    int exitCode = server.awaitExit(EXIT_TIMEOUT);
    assertNotEquals(0, exitCode, server.output());
    List<String> lines =
        server.lines().stream().filter(l -> l.startsWith("audit-server:")).toList();
    assertEquals(1, lines.size(), "one 'audit-server:' line expected:\n" + server.output());
    String line = lines.get(0);
    System.out.println(line);
    assertTrue(line.startsWith("audit-server: cannot start: "), line);
    for (String word : words) {
      assertTrue(line.contains(word), "'" + word + "' not in: " + line);
    }
    assertFalse(server.output().contains("\tat "), "stack trace in:\n" + server.output());
  }
}
