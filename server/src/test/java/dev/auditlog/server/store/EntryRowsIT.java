package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.server.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.PGStatement;

/**
 * Entries read back from PostgreSQL are the entries sealed, field for field, whichever way
 * pgjdbc transfers the columns: as text (PostgresSearch's unprepared statements) or in
 * binary (a server-prepared statement's uuid, bytea and timestamptz, after the driver's
 * prepare threshold, forced here with {@code prepareThreshold=-1}). EntryRows takes the
 * text columns as the UTF-8 bytes PostgreSQL sent; non-ASCII text must come back intact.
 */
class EntryRowsIT {
  private static final String LOG = "default";

  private TestDatabase db;

  @BeforeEach
  void createDatabase() {
    db = TestDatabase.create();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void entries_readBackAsSealed_inTextAndInBinaryTransfer() throws Exception {
    List<Entry> sealed = append(List.of(
        draft("user.login", "alice", "tenant/acme", "203.0.113.7").setOccurredAt(
            Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123_456_000)).build(),
        draft("user.passwort_ändern", "Jürgen Weiß", "mandant/Straße-東京", "2001:db8::1")
            .putRiskSignals("país", "España").putAttributes("emoji", "\uD83D\uDD12 locked")
            .build(),
        draft("config.change", "", "", "").build()));

    for (String threshold : List.of("0", "5", "-1")) {
      String url = db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?")
          + "prepareThreshold=" + threshold;
      try (HikariDataSource pool = StoreFactory.writerPool(url, TestDatabase.WRITER,
          TestDatabase.password(TestDatabase.WRITER), 1)) {
        PostgresLogReads reads = new PostgresLogReads(pool, "audit");
        for (int i = 0; i < 7; i++) { // past the default threshold of 5 as well
          assertEquals(sealed, reads.entries(LOG, 0, 3, 10), "prepareThreshold=" + threshold);
          assertEquals(sealed.get(1), reads.entryByEventId(LOG, sealed.get(1).getEventId())
              .orElseThrow(), "prepareThreshold=" + threshold);
        }
        assertEquals(sealed, reads.list(ListQuery.all(LOG, 0, 10)).entries());
        assertEquals(List.of(sealed.get(1)),
            reads.list(new ListQuery(LOG, 0, null, null,
                EntryFilter.NONE.withUserId("Jürgen Weiß"), 10)).entries());
      }
    }
  }

  /**
   * EncodedEntries writes rows as List sends them: byte for byte the serialized ListResponse
   * of the entries EntryRows reads from the same rows, from text columns (its own writer) and
   * from binary ones (through EntryRows), with jsonb strings that need escapes and without.
   */
  @Test
  void encodedEntries_areTheSerializedEntries_byteForByte() throws Exception {
    List<Entry> sealed = append(List.of(
        draft("user.login", "alice", "tenant/acme", "203.0.113.7").setOccurredAt(
            Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123_456_000)).build(),
        draft("user.passwort_ändern", "Jürgen Weiß", "mandant/Straße-東京", "2001:db8::1")
            .putRiskSignals("país", "España").putRiskSignals("score", "0.97")
            .putRiskSignals("a", "").putRiskSignals("path", "C:\\temp\\new\nline")
            .putAttributes("emoji", "\uD83D\uDD12 locked")
            .putAttributes("quote\"key", "back\\slash").putAttributes("plain", "value")
            .putAttributes("lines", "one\ntwo\tthree\u0001\u001f end").build(),
        draft("config.change", "", "", "").setOutcome(Outcome.OUTCOME_ERROR)
            .setOccurredAt(Timestamp.newBuilder().setSeconds(1_600_000_000L)).build(),
        draft("data.export", "bob", "report/7", "10.0.0.1").putAttributes("", "empty key")
            .setOutcome(Outcome.OUTCOME_DENIED).build()));

    for (String threshold : List.of("0", "-1")) { // text; binary, forced
      String url = db.jdbcUrl() + (db.jdbcUrl().contains("?") ? "&" : "?")
          + "prepareThreshold=" + threshold;
      try (HikariDataSource pool = StoreFactory.writerPool(url, TestDatabase.WRITER,
              TestDatabase.password(TestDatabase.WRITER), 1);
          Connection c = pool.getConnection();
          PreparedStatement ps = c.prepareStatement("SELECT " + EntryRows.COLUMNS
              + " FROM audit.entry WHERE log_id = ? ORDER BY seq")) {
        ps.unwrap(PGStatement.class).setPrepareThreshold(0); // as PostgresSearch's page
        ps.setString(1, LOG);
        List<Entry> read = new ArrayList<>();
        EncodedEntries all = new EncodedEntries(10);
        EncodedEntries two = new EncodedEntries(2);
        try (ResultSet rs = ps.executeQuery()) {
          assertEquals(threshold.equals("0") ? 0 : 1,
              rs.getMetaData().unwrap(PGResultSetMetaData.class).getFormat(2), threshold);
          while (rs.next()) {
            read.add(EntryRows.read(rs));
            all.add(rs);
            two.add(rs);
          }
        }
        assertEquals(sealed, read, threshold);
        Page page = all.page();
        assertEquals(ListResponse.newBuilder().addAllEntries(read).build().toByteString(),
            page.wire(), threshold);
        assertEquals(sealed, page.entries(), threshold);
        assertEquals(4, page.size());
        assertEquals(sealed.get(3).getSeq(), page.lastSeq());
        assertFalse(page.more());

        Page first = two.page();
        assertEquals(ListResponse.newBuilder().addAllEntries(read.subList(0, 2)).build()
            .toByteString(), first.wire(), threshold);
        assertEquals(2, first.size());
        assertEquals(sealed.get(1).getSeq(), first.lastSeq());
        assertTrue(first.more());
      }
    }
  }

  @Test
  void encodedEntries_ofNoRows_areAnEmptyPage() {
    Page page = new EncodedEntries(10).page();
    assertEquals(ByteString.EMPTY, page.wire());
    assertEquals(List.of(), page.entries());
    assertEquals(0, page.lastSeq());
    assertFalse(page.more());
  }

  private List<Entry> append(List<Entry> drafts) throws StoreException {
    try (AppendTransaction tx = db.store().beginAppend(LOG, List.of(), AppendMode.LOCKED)) {
      LogHead head = tx.head();
      Chain chain = new Chain(head.seq(), head.chainHash(), head.nextRecordedAt());
      List<Entry> sealed = new ArrayList<>();
      for (Entry d : drafts) {
        sealed.add(chain.seal(d));
      }
      tx.insert(sealed);
      tx.commit();
      return sealed;
    }
  }

  private static Entry.Builder draft(String action, String user, String target, String ip) {
    return Entry.newBuilder().setEventId(UUID.randomUUID().toString()).setAction(action)
        .setUserId(user).setTarget(target).setSourceIp(ip).setOutcome(Outcome.OUTCOME_SUCCESS)
        .setProducer("auth-backend");
  }
}
