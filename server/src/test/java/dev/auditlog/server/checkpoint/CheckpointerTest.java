package dev.auditlog.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.Await;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.TestServer;
import dev.auditlog.server.store.PostgresAuditStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interval checkpointer on a real PostgreSQL, and where the signing key comes from. */
class CheckpointerTest {

  @Test
  void idleLog_isStillCheckpointedOnEveryInterval() throws Exception {
    try (TestDatabase db = TestDatabase.create(); PostgresAuditStore store = db.store();
        Checkpointer checkpointer = new Checkpointer(store, "default",
            SigningKey.read(TestServer.SIGNING_KEY), List.of()).start(Duration.ofMillis(300))) {
      Await.until("three checkpoints are stored", Duration.ofSeconds(20),
          () -> count(db, "count(*)") >= 3);

      assertEquals(count(db, "count(*)"), count(db, "count(DISTINCT recorded_at)"),
          "each at its own time");
      assertEquals(0, count(db, "max(seq)"));
    }
  }

  private static long count(TestDatabase db, String aggregate) throws SQLException {
    try (Connection c = db.superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + aggregate + " FROM audit.checkpoint")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void noConfiguredKey_generatesOneInTheDataDirectoryOnce() throws Exception {
    Path dir = Files.createTempDirectory("audit-data");

    SigningKey first = SigningKey.readOrGenerate(null, dir);
    SigningKey again = SigningKey.readOrGenerate(null, dir);

    assertEquals(first.keyId(), again.keyId());
    Path file = dir.resolve(SigningKey.FILE_NAME);
    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertArrayEquals(first.publicKey().getEncoded(),
        Ed25519Keys.readPublicKey(dir.resolve(SigningKey.PUBLIC_FILE_NAME)).getEncoded());
  }

  @Test
  void configuredKey_isUsedInsteadOfTheDataDirectory() throws Exception {
    Path dir = Files.createTempDirectory("audit-data");

    SigningKey key = SigningKey.readOrGenerate(TestServer.SIGNING_KEY, dir);

    assertEquals(Ed25519Keys.keyId(Ed25519Keys.readPublicKey(TestServer.SIGNING_PUBLIC_KEY)),
        key.keyId());
    assertTrue(Files.notExists(dir.resolve(SigningKey.FILE_NAME)));
  }
}
