package dev.auditlog.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;

/**
 * The health probe's question to PostgreSQL: could an append commit now? Reaching the server
 * is not enough when commits wait for synchronous standbys ({@code synchronous_standby_names}
 * set and {@code synchronous_commit} neither {@code off} nor {@code local}, as the writer's
 * session sees them): with the standbys away, PostgreSQL answers every query and acknowledges
 * no commit. Then the probe commits a transaction that writes to the WAL and to no table (an
 * empty transactional message, {@code pg_logical_emit_message}, which any role may call),
 * which waits for the standbys as an append's commit does; otherwise it only reads. (A
 * transaction that only takes a transaction id would not do: PostgreSQL commits one that wrote
 * nothing else without waiting for anyone.)
 *
 * <p>The probe's wait is bounded by a query timeout: the driver cancels it, PostgreSQL stops
 * waiting, keeps the empty commit locally and says so in a warning, and the connection stays
 * usable, so no backend is left waiting on the primary for the standby. An append's commit is
 * never cancelled that way: PostgreSQL would report it committed, replicated or not.
 */
final class CommitProbe {
  /**
   * One round trip. CASE evaluates the message's branch only when commits wait for a standby,
   * so without one the probe writes nothing (no WAL, no flush every second on an idle server).
   */
  private static final String SQL = "SELECT CASE WHEN"
      + " current_setting('synchronous_standby_names') <> ''"
      + " AND current_setting('synchronous_commit') NOT IN ('off', 'local')"
      + " THEN pg_logical_emit_message(true, 'audit-probe', '')::text END";

  private CommitProbe() {}

  /**
   * Runs the probe on {@code c} (in autocommit mode, its state when borrowed from the pool).
   *
   * @throws StoreException (retryable) if the commit was not confirmed within
   *     {@code timeoutSeconds}
   * @throws SQLException if the query fails or is cancelled before its commit
   */
  static void run(Connection c, int timeoutSeconds) throws SQLException, StoreException {
    try (Statement s = c.createStatement()) {
      s.setQueryTimeout(timeoutSeconds);
      s.execute(SQL);
      // The cancelled wait for the standbys is the only warning this statement can get.
      SQLWarning warning = s.getWarnings();
      if (warning != null) {
        throw new StoreException("ping: a commit was not confirmed by the synchronous"
            + " standbys within " + timeoutSeconds + " s (" + warning.getMessage() + ")", true,
            null);
      }
    }
  }
}
