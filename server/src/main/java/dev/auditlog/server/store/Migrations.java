package dev.auditlog.server.store;

import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the audit schema to the current version with the versioned scripts in {@code
 * db/migration}. Runs as the schema owner, never as the writer role, and grants the writer
 * exactly what it needs.
 */
public final class Migrations {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private Migrations() {}

  /**
   * Migrates {@code schema} (created if missing) through {@code owner} connections.
   *
   * @throws IllegalArgumentException if schema or writer role is not a plain lowercase SQL
   *     identifier
   */
  public static MigrateResult migrate(DataSource owner, String schema, String writerRole) {
    return migrate(owner, schema, writerRole, "latest");
  }

  /** Like {@link #migrate(DataSource, String, String)}, up to version {@code target} (tests). */
  static MigrateResult migrate(DataSource owner, String schema, String writerRole,
      String target) {
    requireIdentifier("schema", schema);
    requireIdentifier("writer role", writerRole);
    return Flyway.configure()
        .dataSource(owner)
        .target(target)
        .schemas(schema)
        .createSchemas(true)
        .locations("classpath:db/migration")
        .placeholders(Map.of("writer_role", writerRole))
        .cleanDisabled(true)
        .validateMigrationNaming(true)
        .load()
        .migrate();
  }

  static String requireIdentifier(String what, String name) {
    if (name == null || !IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what + " must be a lowercase SQL identifier ([a-z_][a-z0-9_]*), got '" + name + "'");
    }
    return name;
  }
}
