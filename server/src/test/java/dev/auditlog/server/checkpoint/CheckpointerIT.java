package dev.auditlog.server.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Await;
import dev.auditlog.server.TestDatabase;
import dev.auditlog.server.store.PostgresAuditStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interval checkpointer on a real PostgreSQL. */
class CheckpointerIT {

  @Test
  void idleLog_isStillCheckpointedOnEveryInterval() throws Exception {
    try (TestDatabase db = TestDatabase.create(); PostgresAuditStore store = db.store();
        Checkpointer checkpointer = new Checkpointer(store, "default",
            SigningKey.read(AuditServerExtension.PRIVATE_SIGNING_KEY), "localhost/audit/default",
            List.of()).start(Duration.ofMillis(300), Duration.ofMillis(200))) {
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
}
