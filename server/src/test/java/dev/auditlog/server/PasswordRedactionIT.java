package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server jar given passwords (in the URL and in flags) that do not get it in: whatever
 * fails, neither its log nor its error line holds a password.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PasswordRedactionIT {
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(45);
  private static final String URL_SECRET = "S3cretValue";
  private static final String WRITER_SECRET = "OtherS3cret";
  private static final String OWNER_SECRET = "OwnerS3cret";

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();

  @AfterEach
  void stopEverything() {
    processes.forEach(ServerProcess::kill);
  }

  @Test
  void unreachableDatabase_neitherTheUrlsNorTheFlagsPasswordIsPrinted() {
    ServerProcess server = start("--db-url",
        "jdbc:postgresql://127.0.0.1:1/audit?password=" + URL_SECRET,
        "--db-password", WRITER_SECRET, "--db-owner-password", OWNER_SECRET);

    assertRefusedWithoutSecrets(server, 1, "127.0.0.1:1");
  }

  @Test
  void reachableDatabase_wrongOwnerPassword_isNotPrinted() {
    ServerProcess server = start("--db-url", TestDatabase.createUnmigrated(),
        "--db-password", WRITER_SECRET, "--db-owner-password", OWNER_SECRET);

    assertRefusedWithoutSecrets(server, 1, "password authentication failed", "audit_owner");
  }

  @Test
  void reachableDatabase_wrongPasswordsInTheUrlAndTheFlag_areNotPrinted() {
    String url = TestDatabase.createUnmigrated() + "?sslmode=disable&password=" + URL_SECRET;
    ServerProcess server = start("--db-url", url, "--db-password", WRITER_SECRET,
        "--db-owner-password=" + TestDatabase.password(TestDatabase.OWNER));

    assertRefusedWithoutSecrets(server, 1, "password authentication failed");
  }

  @Test
  void urlThatIsNoJdbcUrl_isRefusedNamingTheFlagWithoutThePassword() {
    ServerProcess server = start("--db-url", "postgres://db/audit?password=" + URL_SECRET);

    assertRefusedWithoutSecrets(server, 2, "--db-url", "postgres://db/audit?password=***");
  }

  @Test
  void misspelledPasswordFlag_itsValueIsNotPrinted() {
    ServerProcess server = start("--db-pasword", WRITER_SECRET);

    assertRefusedWithoutSecrets(server, 2, "unknown options --db-pasword");
  }

  private ServerProcess start(String... args) {
    List<String> all = new ArrayList<>(List.of("--port", "0",
        "--db-user", TestDatabase.WRITER, "--db-owner-user", TestDatabase.OWNER));
    all.addAll(List.of(args));
    ServerProcess server = ServerProcess.start(tmp.resolve("unused"), all.toArray(String[]::new));
    processes.add(server);
    return server;
  }

  private static void assertRefusedWithoutSecrets(ServerProcess server, int exitCode,
      String... words) {
    assertEquals(exitCode, server.awaitExit(EXIT_TIMEOUT), server.output());
    String output = server.output();
    List<String> lines = server.lines().stream().filter(l -> l.startsWith("audit-server:"))
        .toList();
    assertEquals(1, lines.size(), output);
    for (String word : words) {
      assertTrue(lines.get(0).contains(word), "'" + word + "' not in: " + lines.get(0));
    }
    for (String secret : List.of(URL_SECRET, WRITER_SECRET, OWNER_SECRET,
        TestDatabase.password(TestDatabase.OWNER))) {
      assertFalse(output.contains(secret), "a password in the output:\n" + output);
    }
  }
}
