package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.server.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retention table (migration V12) on a real PostgreSQL: a retention is recorded with its
 * history, extended and never shortened, and the database itself refuses a shorter one from
 * the owner; the writer role only reads it; nobody changes or removes a recorded one.
 */
class RetentionIT {
  private static final String LOG = "default";
  private static final String OWNER = TestDatabase.OWNER;
  private static final String WRITER = TestDatabase.WRITER;

  private TestDatabase db;
  private HikariDataSource owner;

  @BeforeEach
  void createDatabase() {
    db = TestDatabase.create();
    owner = StoreFactory.ownerPool(db.jdbcUrl(), OWNER, TestDatabase.password(OWNER));
  }

  @AfterEach
  void close() {
    owner.close();
    db.close();
  }

  @Test
  void aNewLog_getsOneYear_recordedByTheOwner() throws SQLException {
    PostgresRetention.InForce r = PostgresRetention.record(owner, "audit", LOG, null);

    assertEquals(Retention.DEFAULT, r.retention());
    assertEquals(OWNER, r.recordedBy());
    assertEquals(1, r.records());
    assertTrue(r.extended());
    assertEquals(r.retention(),
        PostgresRetention.current(db.writer(), "audit", LOG).orElseThrow().retention());
  }

  @Test
  void aLongerRetention_isRecorded_keepingTheHistory() throws SQLException {
    PostgresRetention.record(owner, "audit", LOG, null);
    PostgresRetention.InForce r =
        PostgresRetention.record(owner, "audit", LOG, Retention.parse("400d"));

    assertEquals(400, r.retention().days());
    assertEquals(2, r.records());
    assertEquals(List.of("366", "400"), column("minimum_days"));
  }

  @Test
  void theSameOrNoRetention_recordsNothing() throws SQLException {
    PostgresRetention.record(owner, "audit", LOG, Retention.parse("400d"));
    PostgresRetention.InForce same =
        PostgresRetention.record(owner, "audit", LOG, Retention.parse("400d"));
    PostgresRetention.InForce none = PostgresRetention.record(owner, "audit", LOG, null);

    assertFalse(same.extended());
    assertEquals(400, none.retention().days());
    assertEquals(1, none.records());
  }

  @Test
  void aShorterRetention_isRefusedByTheServer_namingBoth() throws SQLException {
    PostgresRetention.record(owner, "audit", LOG, Retention.parse("400d"));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PostgresRetention.record(owner, "audit", LOG, Retention.parse("30d")));

    assertTrue(e.getMessage().contains("--retention 30 days is shorter than the retention of"
        + " log 'default', 400 days"), e.getMessage());
    assertEquals(List.of("400"), column("minimum_days"));
  }

  @Test
  void aShorterRetention_insertedByTheOwner_isRefusedByPostgres() throws SQLException {
    PostgresRetention.record(owner, "audit", LOG, Retention.parse("400d"));

    SQLException e = assertThrows(SQLException.class, () -> execute(OWNER,
        "INSERT INTO audit.retention (log_id, minimum_days) VALUES ('default', 399)"));

    assertEquals("AU422", e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("399 days is shorter than the recorded 400 days"),
        e.getMessage());
  }

  @Test
  void changingOrRemovingARetention_asTheOwner_isRefusedByTheTriggers() throws SQLException {
    PostgresRetention.record(owner, "audit", LOG, Retention.parse("400d"));

    for (String sql : List.of("UPDATE audit.retention SET minimum_days = 1",
        "DELETE FROM audit.retention", "TRUNCATE audit.retention")) {
      SQLException e = assertThrows(SQLException.class, () -> execute(OWNER, sql), sql);
      assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
      assertTrue(e.getMessage().contains("audit log is append-only"), e.getMessage());
    }
    assertEquals(List.of("400"), column("minimum_days"));
  }

  @Test
  void theWriter_mayOnlyRead() throws SQLException {
    PostgresRetention.record(owner, "audit", LOG, null);

    for (String sql : List.of(
        "INSERT INTO audit.retention (log_id, minimum_days) VALUES ('default', 9999)",
        "INSERT INTO audit.retention (log_id, minimum_days) VALUES ('other', 0)",
        "UPDATE audit.retention SET minimum_days = 1", "DELETE FROM audit.retention",
        "TRUNCATE audit.retention", "ALTER TABLE audit.retention DISABLE TRIGGER ALL")) {
      SQLException e = assertThrows(SQLException.class, () -> execute(WRITER, sql), sql);
      assertTrue(e.getMessage().contains("permission denied for table retention")
          || e.getMessage().contains("must be owner of table retention"), e.getMessage());
    }
    assertEquals(List.of("366"), column("minimum_days"));
  }

  @Test
  void recordedAtAndBy_areTheDatabases_whateverTheInsertSays() throws SQLException {
    execute(OWNER, "INSERT INTO audit.retention (log_id, minimum_days, recorded_at, recorded_by)"
        + " VALUES ('default', 500, '2000-01-01Z', 'someone_else')");

    assertEquals(List.of(OWNER), column("recorded_by"));
    assertFalse(column("recorded_at").get(0).startsWith("2000"));
  }

  @Test
  void theMigration_recordsOneYearForEveryLogItFinds() throws Exception {
    String url = TestDatabase.createUnmigrated();
    try (HikariDataSource o = StoreFactory.ownerPool(url, OWNER, TestDatabase.password(OWNER))) {
      Migrations.migrate(o, "audit", WRITER, "10");
      try (HikariDataSource w =
          StoreFactory.writerPool(url, WRITER, TestDatabase.password(WRITER), 2)) {
        RawAppends.append(w, "a", 3, Instant.now());
        RawAppends.append(w, "b", 2, Instant.now());
      }
      Migrations.migrate(o, "audit", WRITER);

      assertEquals(366, PostgresRetention.current(o, "audit", "a").orElseThrow()
          .retention().days());
      assertEquals(366, PostgresRetention.current(o, "audit", "b").orElseThrow()
          .retention().days());
      assertTrue(PostgresRetention.current(o, "audit", "c").isEmpty());
    }
  }

  private void execute(String role, String sql) throws SQLException {
    try (Connection c = db.connectAs(role); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private List<String> column(String name) throws SQLException {
    try (Connection c = db.superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + name + " FROM audit.retention ORDER BY id")) {
      List<String> values = new ArrayList<>();
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      return values;
    }
  }
}
