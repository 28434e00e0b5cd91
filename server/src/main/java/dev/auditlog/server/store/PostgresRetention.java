package dev.auditlog.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code retention} table (migration V12): each log's minimum retention with its
 * history. Reading needs the writer role; recording needs the owner, and PostgreSQL refuses a
 * retention shorter than one recorded before, whoever asks.
 */
public final class PostgresRetention {
  /** SQLSTATE of the database's refusal of a shorter retention (and of the other guards). */
  static final String REFUSED = "AU422";

  /**
   * The retention in force for a log.
   *
   * @param retention its length
   * @param recordedAt when the database recorded it
   * @param recordedBy the role that recorded it
   * @param records how many retentions the log's history holds
   * @param extended whether this call recorded it, extending (or setting first) the retention
   */
  public record InForce(String logId, Retention retention, OffsetDateTime recordedAt,
      String recordedBy, int records, boolean extended) {}

  private PostgresRetention() {}

  /**
   * The retention recorded for {@code logId}, empty if none is.
   *
   * @throws SQLException if the table cannot be read
   */
  public static Optional<InForce> current(DataSource db, String schema, String logId)
      throws SQLException {
    try (Connection c = db.getConnection()) {
      return current(c, schema, logId, false);
    }
  }

  /**
   * Records, as the owner, the retention of {@code logId}: {@code requested} when it is longer
   * than the one recorded, or when none is ({@link Retention#DEFAULT} for a null request);
   * else keeps the recorded one.
   *
   * @param requested the retention asked for on the command line, or null
   * @throws IllegalArgumentException if {@code requested} is shorter than the recorded one
   * @throws SQLException if the table cannot be read or written
   */
  public static InForce record(DataSource owner, String schema, String logId,
      Retention requested) throws SQLException {
    Migrations.requireIdentifier("schema", schema);
    try (Connection c = owner.getConnection()) {
      Optional<InForce> recorded = current(c, schema, logId, false);
      if (recorded.isPresent()) {
        InForce r = recorded.get();
        if (requested == null || requested.equals(r.retention())) {
          return r;
        }
        if (r.retention().longerThan(requested)) {
          throw shorter(logId, requested, r.retention(), r.recordedAt());
        }
      }
      Retention wanted = requested == null ? Retention.DEFAULT : requested;
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema
          + ".retention (log_id, minimum_days) VALUES (?, ?)")) {
        ps.setString(1, logId);
        ps.setInt(2, wanted.days());
        ps.executeUpdate();
      } catch (SQLException e) {
        if (REFUSED.equals(e.getSQLState())) {
          throw new IllegalArgumentException("--retention " + wanted + " refused by the"
              + " database for log '" + logId + "': " + e.getMessage(), e);
        }
        throw e;
      }
      return current(c, schema, logId, true).orElseThrow();
    }
  }

  private static IllegalArgumentException shorter(String logId, Retention requested,
      Retention recorded, OffsetDateTime recordedAt) {
    return new IllegalArgumentException("--retention " + requested + " is shorter than the"
        + " retention of log '" + logId + "', " + recorded + " recorded at " + recordedAt
        + "; a retention can be extended, never shortened");
  }

  private static Optional<InForce> current(Connection c, String schema, String logId,
      boolean extended) throws SQLException {
    Migrations.requireIdentifier("schema", schema);
    try (PreparedStatement ps = c.prepareStatement("SELECT r.minimum_days, r.recorded_at,"
        + " r.recorded_by, count(*) OVER () FROM " + schema + ".retention r"
        + " WHERE r.log_id = ? ORDER BY r.id DESC LIMIT 1")) {
      ps.setString(1, logId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new InForce(logId, new Retention(rs.getInt(1)),
            rs.getObject(2, OffsetDateTime.class), rs.getString(3), rs.getInt(4), extended));
      }
    }
  }
}
