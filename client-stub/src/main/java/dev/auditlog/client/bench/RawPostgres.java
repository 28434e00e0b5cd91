package dev.auditlog.client.bench;

import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.integrity.JsonText;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The baselines: what a backend writing audit rows straight into PostgreSQL would get.
 * Writes the same registration events, as the same rows, into a scratch copy of the
 * server's table ({@code LIKE audit.entry INCLUDING ALL}: same columns, constraints and
 * indexes) in the same database, each caller on its own connection, every statement
 * committed on its own with {@code synchronous_commit = on}. The raw rows get a unique
 * seq from a client-side counter and random hash bytes: no chain, no idempotency.
 */
final class RawPostgres {
  static final String TABLE = "audit_bench.entry_raw";
  private static final String COLUMNS = "log_id, seq, recorded_at, event_id, user_id, action,"
      + " target, source_ip, outcome, occurred_at, risk_signals, attributes, producer,"
      + " entry_hash, chain_hash";
  private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)";

  private final String jdbcUrl;
  private final AtomicLong seq = new AtomicLong();

  RawPostgres(String jdbcUrl) {
    this.jdbcUrl = jdbcUrl;
  }

  /** (Re)creates the scratch table and returns the server's synchronous_commit setting. */
  String prepare() throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS audit_bench");
      s.execute("DROP TABLE IF EXISTS " + TABLE);
      // No autovacuum on the scratch table: its ANALYZE after millions of baseline rows would
      // otherwise run during the server's scenarios that follow.
      s.execute("CREATE TABLE " + TABLE + " (LIKE audit.entry INCLUDING ALL)"
          + " WITH (autovacuum_enabled = off)");
      try (ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /**
   * Vacuums both tables and writes all dirty buffers out (CHECKPOINT), so that each scenario
   * starts from the same state instead of paying for the one before: without the VACUUM,
   * autovacuum of the server's table (after the rows of the warm-up or of the scenario before)
   * ran during whichever scenario came next, and cost the raw baselines up to half their rate.
   */
  void checkpoint() throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
      s.execute("VACUUM (ANALYZE) audit.entry, " + TABLE);
      s.execute("CHECKPOINT");
    }
  }

  /**
   * Turns the database's chain guard (the statement trigger of migration V5 that checks
   * every INSERT into audit.entry) on or off, as the superuser, to measure what it costs.
   */
  void chainGuard(boolean on) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE audit.entry " + (on ? "ENABLE ALWAYS" : "DISABLE")
          + " TRIGGER entry_chain_guard");
    }
  }

  /** Callers that INSERT one row per autocommitted statement. */
  Caller.Factory singleRowInserts() {
    return multiRowInserts(1);
  }

  /** Callers that INSERT {@code rows} rows with one multi-row statement per commit. */
  Caller.Factory multiRowInserts(int rows) {
    String sql = "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES "
        + String.join(", ", java.util.Collections.nCopies(rows, ROW));
    return () -> {
      Connection c = connect();
      PreparedStatement ps = c.prepareStatement(sql);
      return new Caller() {
        @Override
        public int call() throws SQLException {
          for (int i = 0; i < rows; i++) {
            bind(ps, i * 15, RegistrationEvents.next());
          }
          return ps.executeUpdate();
        }

        @Override
        public void close() throws SQLException {
          c.close();
        }
      };
    };
  }

  /** Callers that COPY {@code rows} rows (text format) per autocommitted COPY. */
  Caller.Factory copies(int rows) {
    String sql = "COPY " + TABLE + " (" + COLUMNS + ") FROM STDIN";
    return () -> {
      Connection c = connect();
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      return new Caller() {
        @Override
        public int call() throws Exception {
          StringBuilder text = new StringBuilder(rows * 700);
          for (int i = 0; i < rows; i++) {
            copyLine(text, RegistrationEvents.next());
          }
          return (int) copy.copyIn(sql, new StringReader(text.toString()));
        }

        @Override
        public void close() throws SQLException {
          c.close();
        }
      };
    };
  }

  private Connection connect() throws SQLException {
    Connection c = DriverManager.getConnection(jdbcUrl);
    c.setAutoCommit(true);
    return c;
  }

  private void bind(PreparedStatement ps, int at, AuditEvent e) throws SQLException {
    ps.setString(at + 1, "bench");
    ps.setLong(at + 2, seq.incrementAndGet());
    ps.setObject(at + 3, OffsetDateTime.now(ZoneOffset.UTC));
    ps.setObject(at + 4, UUID.fromString(e.getEventId()));
    ps.setString(at + 5, e.getUserId());
    ps.setString(at + 6, e.getAction());
    ps.setString(at + 7, e.getTarget());
    ps.setString(at + 8, e.getSourceIp());
    ps.setString(at + 9, e.getOutcome().name());
    ps.setObject(at + 10, occurredAt(e));
    ps.setString(at + 11, JsonText.object(e.getRiskSignalsMap()));
    ps.setString(at + 12, JsonText.object(e.getAttributesMap()));
    ps.setString(at + 13, "auth-backend");
    ps.setBytes(at + 14, randomHash());
    ps.setBytes(at + 15, randomHash());
  }

  private void copyLine(StringBuilder out, AuditEvent e) {
    Object[] values = {
      "bench", seq.incrementAndGet(), OffsetDateTime.now(ZoneOffset.UTC), e.getEventId(),
      e.getUserId(), e.getAction(), e.getTarget(), e.getSourceIp(), e.getOutcome().name(),
      occurredAt(e), JsonText.object(e.getRiskSignalsMap()),
      JsonText.object(e.getAttributesMap()), "auth-backend",
      "\\x" + java.util.HexFormat.of().formatHex(randomHash()),
      "\\x" + java.util.HexFormat.of().formatHex(randomHash())
    };
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.append('\t');
      }
      copyText(out, String.valueOf(values[i]));
    }
    out.append('\n');
  }

  /** COPY text format: backslash, tab, newline and carriage return are escaped. */
  private static void copyText(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(ch);
      }
    }
  }

  private static OffsetDateTime occurredAt(AuditEvent e) {
    var ts = e.getOccurredAt();
    return java.time.Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos())
        .atOffset(ZoneOffset.UTC);
  }

  private static byte[] randomHash() {
    byte[] b = new byte[32];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }
}
