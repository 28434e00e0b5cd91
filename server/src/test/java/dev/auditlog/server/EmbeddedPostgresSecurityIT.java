package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server jar started as the README says (with its own state directory and any free
 * port), attacked as another user on the host would: the embedded PostgreSQL's port is in
 * its postmaster.pid (and in the log), so try every role without a password and with
 * guessed ones, and look for the secrets where they used to be.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmbeddedPostgresSecurityIT {
  private static final List<String> ROLES = List.of("postgres", "audit_owner", "audit_writer");

  @TempDir Path tmp;
  private Path dataDir;
  private ServerProcess server;

  @BeforeEach
  void startTheServer() {
    dataDir = tmp.resolve("data");
    server = ServerProcess.start(dataDir, "--port", "0");
    server.awaitListening(Duration.ofSeconds(60));
  }

  @AfterEach
  void stop() {
    server.kill();
  }

  @Test
  void everyRole_withoutPasswordOrWithAWrongOne_isRefused() throws Exception {
    int port = postgresPortFromTheLog();

    for (String role : ROLES) {
      PostgresLogins.assertRefused(port, role, "audit");
      PostgresLogins.assertRefused(port, role, "postgres");
    }
  }

  @Test
  void superuser_cannotReadTheSigningKeyByItsOldRelativePath() throws Exception {
    int port = postgresPortFromTheLog();
    // Logged in with the superuser's password, which only the server's OS user can read.
    // The key is no longer in the cluster directory, where a relative path would find it.
    // The superuser could still name it by its absolute path (PostgreSQL runs as the same
    // OS user): what keeps the key from anyone else is that they cannot log in as the
    // superuser, which the test above shows.
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
            + "/postgres", "postgres", password("postgres"));
        Statement s = c.createStatement()) {
      SQLException e = assertThrows(SQLException.class,
          () -> s.executeQuery("SELECT pg_read_file('checkpoint-signing-key.pem')"));
      assertEquals("58P01", e.getSQLState(), e.getMessage()); // undefined_file
      assertEquals("", show(s, "unix_socket_directories"));
      assertEquals("127.0.0.1", show(s, "listen_addresses"));
      assertEquals("scram-sha-256", show(s, "password_encryption"));
    }
    assertTrue(Files.exists(dataDir.resolve("checkpoint-signing-key.pem")));
  }

  @Test
  void secrets_liveOutsideTheClusterReadableByTheOwnerOnly_andNeverInTheLog()
      throws Exception {
    Path cluster = dataDir.resolve("postgres");
    Path secrets = dataDir.resolve("secrets");

    assertEquals("rwx------", mode(secrets));
    assertEquals("rw-------", mode(dataDir.resolve("checkpoint-signing-key.pem")));
    for (String role : ROLES) {
      assertEquals("rw-------", mode(secrets.resolve(role + ".password")), role);
      String password = password(role);
      assertTrue(password.length() >= 40, role + "'s password is short");
      assertFalse(server.output().contains(password), role + "'s password is in the log");
    }
    try (Stream<Path> files = Files.walk(cluster)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".pem")
          || p.getFileName().toString().endsWith(".password")), "a secret in " + cluster);
    }
    List<String> hba = Files.readAllLines(cluster.resolve("pg_hba.conf")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertEquals(2, hba.size(), hba.toString());
    hba.forEach(l -> assertTrue(l.endsWith(" scram-sha-256"), l));
    assertEquals("", Files.readAllLines(cluster.resolve("postmaster.pid")).get(4).trim(),
        "the Unix-domain socket directory in postmaster.pid");
  }

  /** The port in "embedded PostgreSQL on 127.0.0.1:PORT", logged before "listening". */
  private int postgresPortFromTheLog() {
    Matcher m = Pattern.compile("embedded PostgreSQL on 127\\.0\\.0\\.1:(\\d+)")
        .matcher(server.output());
    assertTrue(m.find(), server.output());
    return Integer.parseInt(m.group(1));
  }

  private String password(String role) throws Exception {
    return Files.readString(dataDir.resolve("secrets").resolve(role + ".password")).strip();
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static String show(Statement s, String setting) throws SQLException {
    try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
