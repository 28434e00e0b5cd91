package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The entry table is write-once on a real PostgreSQL: the writer role may not change, remove
 * or unprotect entries, the owner and a superuser in replica mode are stopped by the triggers,
 * and a superuser who disables the triggers is caught by the hash chain.
 *
 * <p>Every refusal is checked by its SQLSTATE and message, so that a refusal for the wrong
 * reason (say, a missing trigger hidden behind a missing grant) does not pass.
 */
class WormIT {
  private static final String OWNER = TestDatabase.OWNER;
  private static final String WRITER = TestDatabase.WRITER;
  private static final String SUPERUSER = "postgres";
  private static final String INSUFFICIENT_PRIVILEGE = "42501";
  private static final String APPEND_ONLY = "audit log is append-only";

  private static final String UPDATE = "UPDATE audit.entry SET user_id = 'mallory' WHERE seq = 2";
  private static final String DELETE = "DELETE FROM audit.entry WHERE seq = 2";
  private static final String TRUNCATE = "TRUNCATE audit.entry";
  private static final String REPLICA = "SET session_replication_role = replica";

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private AuditLogBlockingStub auditor;
  private List<String> rowsBefore;

  @BeforeEach
  void appendThreeEntries() throws SQLException {
    auditor = server.stub("auditor");
    AuditLogBlockingStub backend = server.stub("auth-backend");
    for (int i = 0; i < 3; i++) {
      backend.append(Events.request(Events.registrationFailure()));
    }
    rowsBefore = rows();
    assertEquals(3, rowsBefore.size());
  }

  @Test
  void update_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied for table entry", UPDATE);
    assertRowsUnchanged();
  }

  @Test
  void delete_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied for table entry", DELETE);
    assertRowsUnchanged();
  }

  @Test
  void truncate_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied for table entry", TRUNCATE);
    assertRowsUnchanged();
  }

  @Test
  void disableTriggers_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "must be owner of table entry",
        "ALTER TABLE audit.entry DISABLE TRIGGER ALL");
    assertRowsUnchanged();
  }

  @Test
  void addColumn_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "must be owner of table entry",
        "ALTER TABLE audit.entry ADD COLUMN note text");
    assertRowsUnchanged();
  }

  @Test
  void dropTrigger_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "must be owner of relation entry",
        "DROP TRIGGER entry_no_update_delete ON audit.entry");
    assertRowsUnchanged();
  }

  @Test
  void replaceTriggerFunction_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied for schema audit",
        "CREATE OR REPLACE FUNCTION audit.reject_change() RETURNS trigger LANGUAGE plpgsql"
            + " AS $$ BEGIN RETURN NEW; END $$");
    assertRowsUnchanged();
  }

  @Test
  void replicaMode_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied to set parameter", REPLICA);
  }

  @Test
  void setRoleToOwner_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied to set role", "SET ROLE " + OWNER);
  }

  @Test
  void createTableInAuditSchema_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied for schema audit",
        "CREATE TABLE audit.entry_shadow (LIKE audit.entry)");
  }

  @Test
  void writeToFlywayHistory_asWriter_isRefused() throws SQLException {
    assertRefused(WRITER, "permission denied for table flyway_schema_history",
        "UPDATE audit.flyway_schema_history SET checksum = 0");
    assertRefused(WRITER, "permission denied for table flyway_schema_history",
        "DELETE FROM audit.flyway_schema_history");
  }

  @Test
  void update_asOwner_isRefusedByTheTrigger() throws SQLException {
    assertRefused(OWNER, APPEND_ONLY + ": UPDATE on audit.entry", UPDATE);
    assertRowsUnchanged();
  }

  @Test
  void delete_asOwner_isRefusedByTheTrigger() throws SQLException {
    assertRefused(OWNER, APPEND_ONLY + ": DELETE on audit.entry", DELETE);
    assertRowsUnchanged();
  }

  @Test
  void truncate_asOwner_isRefusedByTheTrigger() throws SQLException {
    assertRefused(OWNER, APPEND_ONLY + ": TRUNCATE on audit.entry", TRUNCATE);
    assertRowsUnchanged();
  }

  @Test
  void update_asSuperuserInReplicaMode_isRefusedByTheTrigger() throws SQLException {
    assertRefused(SUPERUSER, APPEND_ONLY + ": UPDATE", REPLICA, UPDATE);
    assertRowsUnchanged();
  }

  @Test
  void delete_asSuperuserInReplicaMode_isRefusedByTheTrigger() throws SQLException {
    assertRefused(SUPERUSER, APPEND_ONLY + ": DELETE", REPLICA, DELETE);
    assertRowsUnchanged();
  }

  @Test
  void truncate_asSuperuserInReplicaMode_isRefusedByTheTrigger() throws SQLException {
    assertRefused(SUPERUSER, APPEND_ONLY + ": TRUNCATE", REPLICA, TRUNCATE);
    assertRowsUnchanged();
  }

  @Test
  void update_bySuperuserWhoDisablesTheTriggers_isCaughtByTheChain() throws SQLException {
    execute(SUPERUSER, "ALTER TABLE audit.entry DISABLE TRIGGER ALL", UPDATE);

    List<Entry> tampered = listAll();

    assertEquals("mallory", tampered.get(1).getUserId());
    AssertionError e = assertThrows(AssertionError.class, () -> Events.assertChain(tampered));
    assertEquals("entry_hash mismatch at seq 2", e.getMessage());
  }

  @Test
  void delete_bySuperuserWhoDisablesTheTriggers_isCaughtByTheChain() throws SQLException {
    execute(SUPERUSER, "ALTER TABLE audit.entry DISABLE TRIGGER ALL", DELETE);

    List<Entry> tampered = listAll();

    assertEquals(2, tampered.size());
    AssertionError e = assertThrows(AssertionError.class, () -> Events.assertChain(tampered));
    assertEquals("expected seq 2, got 3", e.getMessage());
  }

  @Test
  void rehashedEntry_bySuperuserWhoDisablesTheTriggers_isCaughtByTheChain() throws SQLException {
    Entry original = listAll().get(1);
    Entry forged = original.toBuilder().setUserId("mallory").build();
    String forgedHash = EntryHasher.entryHash(forged);
    execute(SUPERUSER, "ALTER TABLE audit.entry DISABLE TRIGGER ALL",
        "UPDATE audit.entry SET user_id = 'mallory', entry_hash = decode('" + forgedHash
            + "', 'hex') WHERE seq = 2");

    List<Entry> tampered = listAll();

    assertEquals(forgedHash, tampered.get(1).getEntryHash());
    assertNotEquals(original.getEntryHash(), forgedHash);
    AssertionError e = assertThrows(AssertionError.class, () -> Events.assertChain(tampered));
    assertEquals("chain_hash mismatch at seq 2", e.getMessage());
  }

  @Test
  void untouchedLog_passesTheChainCheck() {
    Events.assertChain(listAll());
  }

  /** Runs {@code sql} as {@code role}; all but the last must succeed, the last must fail. */
  private void assertRefused(String role, String message, String... sql) throws SQLException {
    try (Connection c = server.db().connectAs(role); Statement s = c.createStatement()) {
      for (int i = 0; i < sql.length - 1; i++) {
        s.execute(sql[i]);
      }
      String last = sql[sql.length - 1];
      SQLException e = assertThrows(SQLException.class, () -> s.execute(last), last);
      assertEquals(INSUFFICIENT_PRIVILEGE, e.getSQLState(), e.getMessage());
      assertTrue(e.getMessage().contains(message), e.getMessage());
    }
  }

  private void execute(String role, String... sql) throws SQLException {
    try (Connection c = server.db().connectAs(role); Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }

  /** Every column of every entry, in seq order, read as the superuser. */
  private List<String> rows() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = server.db().superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT to_jsonb(e)::text FROM audit.entry e ORDER BY log_id, seq")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  private void assertRowsUnchanged() throws SQLException {
    assertEquals(rowsBefore, rows());
    List<Entry> entries = listAll();
    assertEquals(3, entries.size());
    Events.assertChain(entries);
  }

  private List<Entry> listAll() {
    return auditor.list(ListRequest.getDefaultInstance()).getEntriesList();
  }
}
