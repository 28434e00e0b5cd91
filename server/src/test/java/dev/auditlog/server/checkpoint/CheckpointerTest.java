package dev.auditlog.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.TestServer;
import dev.auditlog.server.store.PostgresAuditStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The interval checkpointer on a real PostgreSQL. */
class CheckpointerTest {

  @Test
  void idleLog_isStillCheckpointedOnEveryInterval() throws Exception {
    try (TestDatabase db = TestDatabase.create(); PostgresAuditStore store = db.store();
        Checkpointer checkpointer = new Checkpointer(store, "default",
            SigningKey.read(TestServer.PRIVATE_SIGNING_KEY)).start(Duration.ofMillis(300))) {
      Thread.sleep(1500);

      try (Connection c = db.superuser(); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT recorded_at), max(seq)"
              + " FROM audit.checkpoint")) {
        rs.next();
        assertTrue(rs.getLong(1) >= 3, "checkpoints: " + rs.getLong(1));
        assertEquals(rs.getLong(1), rs.getLong(2), "each at its own time");
        assertEquals(0, rs.getLong(3));
      }
    }
  }
}
