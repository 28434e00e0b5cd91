package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * The server jar's --retention: a new log gets one year, a longer retention is recorded at
 * start and said in the start-up lines, a shorter one refuses the start naming both.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RetentionStartIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();

  @AfterEach
  void stopEverything() {
    processes.forEach(ServerProcess::kill);
  }

  @Test
  void aNewLog_isKeptOneYear_aLongerRetentionIsRecorded_aShorterOneRefusesTheStart() {
    String url = TestDatabase.createUnmigrated();

    ServerProcess first = start(url);
    first.awaitListening(TIMEOUT);
    assertTrue(first.output().contains("retention of log 'default': at least 366 days,"
        + " recorded now"), first.output());
    first.stopGracefully();

    ServerProcess longer = start(url, "--retention", "P2Y");
    longer.awaitListening(TIMEOUT);
    assertTrue(longer.output().contains("retention of log 'default': at least 732 days,"
        + " recorded now"), longer.output());
    assertTrue(longer.output().contains("(2 recorded)"), longer.output());
    longer.stopGracefully();

    ServerProcess shorter = start(url, "--retention", "400d");
    assertNotEquals(0, shorter.awaitExit(TIMEOUT), shorter.output());
    assertTrue(shorter.output().contains("audit-server: cannot start: --retention 400 days is"
        + " shorter than the retention of log 'default', 732 days recorded at "),
        shorter.output());

    ServerProcess unchanged = start(url);
    unchanged.awaitListening(TIMEOUT);
    assertTrue(unchanged.output().contains("retention of log 'default': at least 732 days,"
        + " recorded at "), unchanged.output());
  }

  @Test
  void aRetentionThatIsNoLength_isACommandLineError() {
    ServerProcess server = start("jdbc:postgresql://127.0.0.1:1/audit", "--retention", "soon");

    assertEquals(2, server.awaitExit(TIMEOUT), server.output());
    assertTrue(server.output().contains("--retention must be days (400d), years (2y) or an"
        + " ISO-8601 period (P2Y, P400D), got 'soon'"), server.output());
  }

  private ServerProcess start(String url, String... args) {
    List<String> all = new ArrayList<>(List.of("--db-url", url, "--port", "0",
        "--db-user", TestDatabase.WRITER, "--db-owner-user", TestDatabase.OWNER,
        "--db-password", TestDatabase.password(TestDatabase.WRITER),
        "--db-owner-password", TestDatabase.password(TestDatabase.OWNER)));
    all.addAll(List.of(args));
    ServerProcess server = ServerProcess.start(tmp.resolve("data"), all.toArray(String[]::new));
    processes.add(server);
    return server;
  }
}
