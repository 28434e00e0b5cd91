package dev.auditlog.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Checks, connected as the role the server writes with, that the role can do no more than
 * the append-only store allows: INSERT and SELECT. A role that is a superuser, bypasses row
 * security, owns (or has the privileges of the owner of) the schema or one of its tables, or
 * may UPDATE, DELETE or TRUNCATE entries or checkpoints could change the log, and the
 * server is not to run with it.
 */
public final class WriterRole {
  private static final List<String> PROTECTED_TABLES = List.of("entry", "checkpoint");

  private WriterRole() {}

  /**
   * What the current role of {@code writer}'s connections may do beyond appending to the
   * tables in {@code schema}: one sentence per cause, each saying how to remove it; empty if
   * nothing. A superuser gets only that one, since it implies all others.
   *
   * @throws SQLException if the catalog cannot be read
   */
  public static List<String> problems(DataSource writer, String schema) throws SQLException {
    Migrations.requireIdentifier("schema", schema);
    try (Connection c = writer.getConnection()) {
      List<String> attributes = query(c, "SELECT current_user, rolsuper::text,"
          + " rolbypassrls::text FROM pg_roles WHERE rolname = current_user").get(0);
      String role = attributes.get(0);
      if (attributes.get(1).equals("true")) {
        return List.of("it is a superuser, who may disable the append-only triggers"
            + " (ALTER ROLE " + role + " NOSUPERUSER)");
      }
      List<String> problems = new ArrayList<>();
      if (attributes.get(2).equals("true")) {
        problems.add("it bypasses row-level security (ALTER ROLE " + role + " NOBYPASSRLS)");
      }
      problems.addAll(ownership(c, role, schema));
      problems.addAll(tablePrivileges(c, role, schema));
      return problems;
    }
  }

  /** Roles whose privileges the writer has, and which own the schema or its tables. */
  private static List<String> ownership(Connection c, String role, String schema)
      throws SQLException {
    List<List<String>> owned = query(c, """
        SELECT 'schema ' || n.nspname, n.nspowner::regrole::text
          FROM pg_namespace n
         WHERE n.nspname = ? AND pg_has_role(current_user, n.nspowner, 'MEMBER')
        UNION ALL
        SELECT 'table ' || n.nspname || '.' || c.relname, c.relowner::regrole::text
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ? AND c.relkind IN ('r', 'p')
           AND pg_has_role(current_user, c.relowner, 'MEMBER')
         ORDER BY 1""", schema, schema);
    Map<String, Set<String>> byOwner = new LinkedHashMap<>();
    for (List<String> row : owned) {
      byOwner.computeIfAbsent(row.get(1), o -> new TreeSet<>()).add(row.get(0));
    }
    List<String> problems = new ArrayList<>();
    byOwner.forEach((owner, objects) -> problems.add(owner.equals(role)
        ? "it owns " + String.join(", ", objects) + ", and an owner may disable the triggers"
            + " (make another role the owner and run the migrations as that one)"
        : "it has the privileges of " + owner + ", which owns " + String.join(", ", objects)
            + " (REVOKE " + owner + " FROM " + role + ")"));
    return problems;
  }

  private static List<String> tablePrivileges(Connection c, String role, String schema)
      throws SQLException {
    List<List<String>> rows = query(c, """
        SELECT c.relname,
               concat_ws(', ',
                 CASE WHEN has_any_column_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
                 CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
                 CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END),
               pg_has_role(current_user, c.relowner, 'MEMBER')::text
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ? AND c.relkind IN ('r', 'p')
           AND c.relname IN ('entry', 'checkpoint', 'retention')
         ORDER BY 1""", schema);
    List<String> problems = new ArrayList<>();
    List<String> found = new ArrayList<>();
    for (List<String> row : rows) {
      found.add(row.get(0));
      String table = schema + "." + row.get(0);
      // Privileges that come with the owner's are named with the owner.
      if (!row.get(1).isEmpty() && row.get(2).equals("false")) {
        problems.add("it holds " + row.get(1) + " on " + table + " (REVOKE " + row.get(1)
            + " ON " + table + " FROM " + role + ")");
      }
    }
    for (String table : PROTECTED_TABLES) {
      if (!found.contains(table)) {
        problems.add("there is no table " + schema + "." + table + " to check (migrate the"
            + " schema first: --migrate auto or only)");
      }
    }
    return problems;
  }

  /** The rows of {@code sql} with {@code args} as its parameters, every column as text. */
  private static List<List<String>> query(Connection c, String sql, String... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      List<List<String>> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<String> row = new ArrayList<>();
          for (int i = 1; i <= columns; i++) {
            row.add(rs.getString(i));
          }
          rows.add(row);
        }
      }
      return rows;
    }
  }
}
