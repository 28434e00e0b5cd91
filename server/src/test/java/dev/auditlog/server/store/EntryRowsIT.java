package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.server.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
