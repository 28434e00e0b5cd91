package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Whoever holds the writer role's credentials may INSERT, but PostgreSQL itself refuses rows
 * that break the chain (migration V5): a gap in seq, a wrong chain hash, a recorded_at that
 * goes back or lies in the future, shapes the readers cannot parse, and checkpoints that
 * name no stored entry. A correctly chained row is accepted, and the server chains on it.
 */
class ChainGuardIT {
  private static final String REFUSED = "AU422";
  private static final String CHECK_VIOLATION = "23514";
  private static final HexFormat HEX = HexFormat.of();

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private AuditLogBlockingStub backend;
  private AuditLogBlockingStub auditor;
  private Entry head;

  @BeforeEach
  void appendThreeEntries() {
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
    for (int i = 0; i < 3; i++) {
      backend.append(Events.request(Events.registrationFailure()));
    }
    head = listAll().get(2);
  }

  @Test
  void correctlyChainedRow_asWriter_isStoredAndTheServerChainsOnIt() throws SQLException {
    insertAsWriter(next(head, head.getRecordedAt()));
    backend.append(Events.request(Events.registrationFailure()));

    List<Entry> entries = listAll();
    assertEquals(5, entries.size());
    Events.assertChain(entries);
  }

  @Test
  void wrongChainHash_asWriter_isRefused() throws SQLException {
    Entry row = next(head, head.getRecordedAt()).toBuilder()
        .setChainHash(EntryHasher.chainHash(EntryHasher.GENESIS_CHAIN_HASH, "ab".repeat(32)))
        .build();

    assertRefused(REFUSED, "chain_hash of seq 4 is not sha256", row);
  }

  @Test
  void gapInSeq_asWriter_isRefused() throws SQLException {
    Entry skipped = next(head, head.getRecordedAt());
    Entry row = next(skipped, head.getRecordedAt());

    assertRefused(REFUSED, "seq 5 does not follow the head of the log", row);
  }

  @Test
  void gapInsideOneInsert_asWriter_isRefused() throws SQLException {
    Entry fourth = next(head, head.getRecordedAt());
    Entry sixth = next(next(fourth, head.getRecordedAt()), head.getRecordedAt());

    assertRefused(REFUSED, "seq 6 does not follow seq 4", fourth, sixth);
  }

  @Test
  void duplicateSeq_asWriter_isRefused() throws SQLException {
    Entry third = listAll().get(1);
    Entry row = next(third, head.getRecordedAt());

    SQLException e = assertThrows(SQLException.class, () -> insertAsWriter(row));
    assertEquals("23505", e.getSQLState(), e.getMessage());
    assertRowsUnchanged();
  }

  @Test
  void recordedAtInYear9999_asWriter_isRefused() throws SQLException {
    Entry row = next(head, timestamp(Instant.parse("9999-06-01T00:00:00Z")));

    assertRefused(REFUSED, "recorded_at of seq 4 lies in the future", row);
  }

  @Test
  void recordedAtBeforeTheHead_asWriter_isRefused() throws SQLException {
    Instant before = instant(head.getRecordedAt()).minusSeconds(3600);

    assertRefused(REFUSED, "recorded_at of seq 4 is before the previous entry's",
        next(head, timestamp(before)));
  }

  @Test
  void unknownOutcome_asWriter_isRefused() throws SQLException {
    assertRefused(CHECK_VIOLATION, "entry_outcome_known", "outcome", "'OUTCOME_MAYBE'");
  }

  @Test
  void numberInRiskSignals_asWriter_isRefused() throws SQLException {
    assertRefused(CHECK_VIOLATION, "entry_risk_signals_strings",
        "risk_signals", "'{\"risk_score\": 0.91}'::jsonb");
  }

  @Test
  void nestedObjectInAttributes_asWriter_isRefused() throws SQLException {
    assertRefused(CHECK_VIOLATION, "entry_attributes_strings",
        "attributes", "'{\"approver\": {\"name\": \"x\"}}'::jsonb");
  }

  @Test
  void occurredAtBeyondYear9999_asWriter_isRefused() throws SQLException {
    assertRefused(CHECK_VIOLATION, "entry_occurred_at_years",
        "occurred_at", "'10000-01-01 00:00:00+00'::timestamptz");
  }

  @Test
  void checkpointBeyondTheHead_asWriter_isRefused() throws SQLException {
    SQLException e = assertThrows(SQLException.class,
        () -> insertCheckpointAsWriter(1L << 62, head.getChainHash()));

    assertEquals(REFUSED, e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("has no entry seq " + (1L << 62)), e.getMessage());
  }

  @Test
  void checkpointWithAnotherChainHash_asWriter_isRefused() throws SQLException {
    SQLException e = assertThrows(SQLException.class,
        () -> insertCheckpointAsWriter(2, head.getChainHash()));

    assertEquals(REFUSED, e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("has no entry seq 2"), e.getMessage());
  }

  @Test
  void refusedRows_leaveFreshCheckpointsAndExportsWorking() throws SQLException {
    assertThrows(SQLException.class, () -> insertAsWriter(
        next(head, timestamp(Instant.parse("9999-06-01T00:00:00Z")))));
    backend.append(Events.request(Events.registrationFailure()));

    assertEquals(4, auditor.getCheckpoint(
        GetCheckpointRequest.newBuilder().setFresh(true).build()).getCheckpoint().getSeq());
    long exported = 0;
    var stream = auditor.export(ExportRequest.getDefaultInstance());
    while (stream.hasNext()) {
      exported += stream.next().getEntriesCount();
    }
    assertEquals(4, exported);
  }

  /** The entry after {@code prev}, correctly chained, recorded at {@code recordedAt}. */
  private static Entry next(Entry prev, Timestamp recordedAt) {
    Entry draft = Entry.newBuilder()
        .setSeq(prev.getSeq() + 1)
        .setRecordedAt(recordedAt)
        .setEventId(UUID.randomUUID().toString())
        .setUserId("mallory")
        .setAction("user.login")
        .setOutcome(Outcome.OUTCOME_SUCCESS)
        .setProducer("auth-backend")
        .build();
    String entryHash = EntryHasher.entryHash(draft);
    return draft.toBuilder().setEntryHash(entryHash)
        .setChainHash(EntryHasher.chainHash(prev.getChainHash(), entryHash)).build();
  }

  /** A correctly chained next row with one column replaced by an SQL expression. */
  private void assertRefused(String sqlState, String message, String column, String value)
      throws SQLException {
    Entry row = next(head, head.getRecordedAt());
    SQLException e = assertThrows(SQLException.class, () -> insertAsWriter(column, value, row));
    assertEquals(sqlState, e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertRowsUnchanged();
  }

  private void assertRefused(String sqlState, String message, Entry... rows)
      throws SQLException {
    SQLException e = assertThrows(SQLException.class, () -> insertAsWriter(rows));
    assertEquals(sqlState, e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertRowsUnchanged();
  }

  private void insertAsWriter(Entry... rows) throws SQLException {
    insertAsWriter(null, null, rows);
  }

  /** One INSERT of {@code rows} as the writer role, {@code column} set to {@code value}. */
  private void insertAsWriter(String column, String value, Entry... rows) throws SQLException {
    String columns = "log_id, " + EntryRows.COLUMNS;
    StringBuilder sql = new StringBuilder("INSERT INTO audit.entry (" + columns + ") VALUES ");
    for (int i = 0; i < rows.length; i++) {
      String values = "?, ?, ?, ?::uuid, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?";
      if (column != null) {
        int k = List.of(columns.split(", ")).indexOf(column);
        String[] v = values.split(", ");
        v[k] = value;
        values = String.join(", ", v);
      }
      sql.append(i == 0 ? "" : ", ").append('(').append(values).append(')');
    }
    try (Connection c = server.db().connectAs(TestDatabase.WRITER);
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int p = 1;
      for (Entry e : rows) {
        Object[] values = {"default", e.getSeq(), offset(e.getRecordedAt()), e.getEventId(),
            e.getUserId(), e.getAction(), e.getTarget(), e.getSourceIp(), e.getOutcome().name(),
            null, "{}", "{}", e.getProducer(), HEX.parseHex(e.getEntryHash()),
            HEX.parseHex(e.getChainHash())};
        String[] names = columns.split(", ");
        for (int k = 0; k < values.length; k++) {
          if (!names[k].equals(column)) {
            ps.setObject(p++, values[k]);
          }
        }
      }
      ps.executeUpdate();
    }
  }

  private void insertCheckpointAsWriter(long seq, String chainHash) throws SQLException {
    try (Connection c = server.db().connectAs(TestDatabase.WRITER);
        PreparedStatement ps = c.prepareStatement("INSERT INTO audit.checkpoint (log_id, seq,"
            + " chain_hash, recorded_at, key_id, public_key, signature)"
            + " VALUES (?, ?, ?, now(), ?, ?, ?)")) {
      ps.setString(1, "default");
      ps.setLong(2, seq);
      ps.setBytes(3, HEX.parseHex(chainHash));
      ps.setString(4, "0".repeat(64));
      ps.setBytes(5, new byte[44]);
      ps.setBytes(6, new byte[64]);
      ps.executeUpdate();
    }
  }

  private void assertRowsUnchanged() {
    List<Entry> entries = listAll();
    assertEquals(3, entries.size());
    Events.assertChain(entries);
  }

  private List<Entry> listAll() {
    return auditor.list(ListRequest.getDefaultInstance()).getEntriesList();
  }

  private static OffsetDateTime offset(Timestamp t) {
    return instant(t).atOffset(ZoneOffset.UTC);
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
