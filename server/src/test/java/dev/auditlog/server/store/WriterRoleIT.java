package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.server.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The writer role check on a real PostgreSQL: the role the migrations set up passes; a role
 * that could change entries in any of the ways PostgreSQL offers is named with the cause and
 * the statement that removes it. Each case uses a role of its own (roles are cluster-wide).
 */
class WriterRoleIT {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final String PASSWORD = "writer-role-test";

  private TestDatabase db;
  private String role;

  @BeforeEach
  void createAnAppendOnlyRole() throws SQLException {
    db = TestDatabase.create();
    role = "writer_check_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid();
    superuser("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'",
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO " + role + "',"
            + " current_database()); END $$",
        "GRANT USAGE ON SCHEMA audit TO " + role,
        "GRANT SELECT, INSERT ON audit.entry, audit.checkpoint TO " + role);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void writerTheMigrationsSetUp_hasNoProblems() throws SQLException {
    assertEquals(List.of(), WriterRole.problems(db.writer(), "audit"));
  }

  @Test
  void roleWithInsertAndSelectOnly_hasNoProblems() throws SQLException {
    assertEquals(List.of(), problems());
  }

  @Test
  void roleGrantedUpdate_isNamedWithTheRevoke() throws SQLException {
    superuser("GRANT UPDATE ON audit.entry TO " + role);

    assertEquals(List.of("it holds UPDATE on audit.entry (REVOKE UPDATE ON audit.entry FROM "
        + role + ")"), problems());
  }

  @Test
  void roleGrantedUpdateOfOneColumn_isNamed() throws SQLException {
    superuser("GRANT UPDATE (user_id) ON audit.entry TO " + role);

    assertEquals(List.of("it holds UPDATE on audit.entry (REVOKE UPDATE ON audit.entry FROM "
        + role + ")"), problems());
  }

  @Test
  void roleGrantedDeleteAndTruncateThroughPublic_isNamed() throws SQLException {
    superuser("GRANT DELETE, TRUNCATE ON audit.checkpoint TO PUBLIC");

    assertEquals(List.of("it holds DELETE, TRUNCATE on audit.checkpoint (REVOKE DELETE,"
        + " TRUNCATE ON audit.checkpoint FROM " + role + ")"), problems());
  }

  @Test
  void superuser_isNamedOnce() throws SQLException {
    superuser("ALTER ROLE " + role + " SUPERUSER");

    List<String> problems = problems();

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("it is a superuser"), problems.get(0));
    assertTrue(problems.get(0).contains("ALTER ROLE " + role + " NOSUPERUSER"));
  }

  @Test
  void roleThatBypassesRowSecurity_isNamed() throws SQLException {
    superuser("ALTER ROLE " + role + " BYPASSRLS");

    assertEquals(List.of("it bypasses row-level security (ALTER ROLE " + role
        + " NOBYPASSRLS)"), problems());
  }

  @Test
  void memberOfTheOwner_isNamedWithWhatTheOwnerOwns() throws SQLException {
    superuser("GRANT " + TestDatabase.OWNER + " TO " + role);

    List<String> problems = problems();

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("it has the privileges of audit_owner, which owns"
        + " schema audit, table audit.archive, table audit.checkpoint, table audit.entry"),
        problems.get(0));
    assertTrue(problems.get(0).endsWith("(REVOKE audit_owner FROM " + role + ")"));
  }

  @Test
  void memberOfTheOwnerWithoutInheritingItsPrivileges_isNamed_forItMaySetRole()
      throws SQLException {
    superuser("GRANT " + TestDatabase.OWNER + " TO " + role + " WITH INHERIT FALSE");

    List<String> problems = problems();

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("it has the privileges of audit_owner"));
  }

  @Test
  void ownerOfTheEntryTable_isNamed() throws SQLException {
    superuser("ALTER TABLE audit.entry OWNER TO " + role);

    List<String> problems = problems();

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("it owns table audit.entry, and an owner may"
        + " disable the triggers"), problems.get(0));
  }

  @Test
  void schemaWithoutTheTables_isNamed() throws SQLException {
    List<String> problems = WriterRole.problems(db.writer(), "unmigrated");

    assertEquals(List.of(
        "there is no table unmigrated.entry to check (migrate the schema first: --migrate"
            + " auto or only)",
        "there is no table unmigrated.checkpoint to check (migrate the schema first:"
            + " --migrate auto or only)"), problems);
  }

  private List<String> problems() throws SQLException {
    return WriterRole.problems(as(role), "audit");
  }

  private DataSource as(String user) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(db.jdbcUrl());
    ds.setUser(user);
    ds.setPassword(PASSWORD);
    return ds;
  }

  private void superuser(String... statements) throws SQLException {
    try (Connection c = db.superuser(); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }
}
