package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The partitioned entry table (migration V13) on a real PostgreSQL: appends cross partition
 * boundaries, event ids stay unique across partitions, the writer can neither reach nor
 * remove a partition, and an existing unpartitioned table migrates with every entry and its
 * chain intact.
 */
class PartitionIT {
  private static final String LOG = "default";
  private static final String OWNER = TestDatabase.OWNER;
  private static final String WRITER = TestDatabase.WRITER;

  private TestDatabase db;
  private HikariDataSource owner;

  @BeforeEach
  void createDatabase() throws SQLException {
    db = TestDatabase.create();
    owner = StoreFactory.ownerPool(db.jdbcUrl(), OWNER, TestDatabase.password(OWNER));
    PostgresRetention.record(owner, "audit", LOG, null);
  }

  @AfterEach
  void close() {
    owner.close();
    db.close();
  }

  @Test
  void aNewLog_getsAPartitionOfTenMillion_andTheNextOnceItHoldsAnEntry() throws Exception {
    PostgresAuditStore store = db.store();

    assertEquals(1, store.keepPartitions(LOG));
    assertEquals(0, store.keepPartitions(LOG));
    assertEquals(List.of("1-10000001"), partitions());
    LogAppends.append(store, LOG, 1);
    assertEquals(1, store.keepPartitions(LOG));

    assertEquals(List.of("1-10000001", "10000001-20000001"), partitions());
  }

  @Test
  void appends_crossPartitionBoundaries_andTheChainHoldsAcrossThem() throws Exception {
    PostgresAuditStore store = db.store();
    sql(OWNER, "SELECT audit.entry_partition_add('default', 100)");
    LogAppends.append(store, LOG, 90);
    assertEquals(1, store.keepPartitions(LOG));
    LogAppends.append(store, LOG, 90); // 91..180, over the boundary at 101 in one INSERT
    assertEquals(1, store.keepPartitions(LOG));
    LogAppends.append(store, LOG, 200); // 181..380: 301..380 beyond every partition

    assertEquals(Map.of("entry_p1", 100L, "entry_p2", 100L, "entry_p3", 100L,
        "entry_default", 80L), rowsByPartition());
    assertEquals(1, store.keepPartitions(LOG));
    assertEquals(List.of("1-101", "101-201", "201-301", "381-481"), partitions());
    LogAppends.append(store, LOG, 20);
    assertEquals(20L, rowsByPartition().get("entry_p4"));
    assertChainVerifies(store.entries(LOG, 0, Long.MAX_VALUE, 10_000), 400);
  }

  @Test
  void aListPage_readsOnlyThePartitionsUpToTheLogsNewestEntry() throws Exception {
    PostgresAuditStore store = db.store();
    sql(OWNER, "SELECT audit.entry_partition_add('default', 100)");
    LogAppends.append(store, LOG, 90);
    store.keepPartitions(LOG);
    LogAppends.append(store, LOG, 60); // 91..150, in p1 and p2
    store.keepPartitions(LOG);
    assertEquals(List.of("1-101", "101-201", "201-301"), partitions());
    PostgresSearch search = new PostgresSearch(owner, "audit");
    ListQuery byUser = new ListQuery(LOG, 50, null, null, EntryFilter.NONE.withUserId("user-1"),
        1000);

    List<String> plan = search.explain(byUser);
    List<String> later = search.explain(ListQuery.all(LOG, 120, 1000));

    String scanned = String.join("\n", plan);
    assertTrue(scanned.contains("entry_p1") && scanned.contains("entry_p2"), scanned);
    assertFalse(scanned.contains("entry_p3") || scanned.contains("entry_default"), scanned);
    String scannedLater = String.join("\n", later);
    assertTrue(scannedLater.contains("entry_p2"), scannedLater);
    assertFalse(scannedLater.contains("entry_p1") || scannedLater.contains("entry_p3")
        || scannedLater.contains("entry_default"), scannedLater);
    Page page = search.list(byUser);
    assertEquals(100, page.entries().size());
    assertEquals(51, page.entries().get(0).getSeq());
    assertEquals(150, page.entries().get(99).getSeq());
    assertFalse(page.more());
  }

  @Test
  void anEventIdStoredInAnOlderPartition_isFoundForARetry_andCannotBeStoredAgain()
      throws Exception {
    PostgresAuditStore store = db.store();
    sql(OWNER, "SELECT audit.entry_partition_add('default', 10)");
    Entry first = LogAppends.append(store, LOG, 1).get(0);
    store.keepPartitions(LOG);
    LogAppends.append(store, LOG, 30);

    try (AppendTransaction tx =
        store.beginAppend(LOG, List.of(first.getEventId()), AppendMode.READ)) {
      assertEquals(first, tx.existing().get(first.getEventId()));
    }
    assertEquals(first, store.entryByEventId(LOG, first.getEventId()).orElseThrow());
    SQLException e = assertThrows(SQLException.class, () -> sql(WRITER,
        "INSERT INTO audit.entry SELECT log_id, 32, (SELECT recorded_at FROM audit.entry"
            + " WHERE seq = 31), event_id, user_id, action,"
            + " target, source_ip, outcome, occurred_at, risk_signals, attributes, producer,"
            + " entry_hash, sha256((SELECT chain_hash FROM audit.entry WHERE seq = 31)"
            + " || entry_hash) FROM audit.entry WHERE seq = 1"));
    assertEquals("23505", e.getSQLState(), e.getMessage());
    assertTrue(e.getMessage().contains("entry_event_pkey"), e.getMessage());
  }

  @Test
  void theWriter_cannotReachDetachOrDropAPartition_norItsCatalog() throws Exception {
    db.store().keepPartitions(LOG);
    LogAppends.append(db.store(), LOG, 3);

    for (String sql : List.of("SELECT * FROM audit.entry_p1",
        "INSERT INTO audit.entry_p1 SELECT * FROM audit.entry",
        "ALTER TABLE audit.entry DETACH PARTITION audit.entry_p1", "DROP TABLE audit.entry_p1",
        "TRUNCATE audit.entry_p1", "DELETE FROM audit.entry_p1",
        "INSERT INTO audit.entry_partition (log_id, from_seq, to_seq) VALUES ('x', 1, 2)",
        "INSERT INTO audit.entry_event VALUES ('default', gen_random_uuid(), 9)",
        "DELETE FROM audit.entry_event", "SELECT audit.entry_partition_add('default', 5)")) {
      SQLException e = assertThrows(SQLException.class, () -> sql(WRITER, sql), sql);
      assertTrue(e.getMessage().contains("permission denied")
          || e.getMessage().contains("must be owner"), sql + ": " + e.getMessage());
    }
    assertEquals(3, db.countEntries());
  }

  @Test
  void theOwner_cannotTruncateOrChangeAPartition_theTriggersFireAlways() throws Exception {
    db.store().keepPartitions(LOG);
    LogAppends.append(db.store(), LOG, 3);

    for (String sql : List.of("TRUNCATE audit.entry_p1", "DELETE FROM audit.entry_p1",
        "UPDATE audit.entry_p1 SET user_id = 'x'", "TRUNCATE audit.entry_default",
        "DELETE FROM audit.entry_event", "TRUNCATE audit.entry_partition")) {
      SQLException e = assertThrows(SQLException.class, () -> sql(OWNER, sql), sql);
      assertTrue(e.getMessage().contains("audit log is append-only"), sql + ": "
          + e.getMessage());
    }
    try (Connection c = db.superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE t.tgenabled <> 'A'),"
            + " count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            + " WHERE c.relname LIKE 'entry_p%' OR c.relname = 'entry_default'")) {
      rs.next();
      assertEquals(0, rs.getInt(1));
      assertEquals(6, rs.getInt(2)); // two per partition: UPDATE/DELETE and TRUNCATE
    }
  }

  @Test
  void keepingPartitions_ofALogWithoutARetention_isRefused() {
    SQLException e = assertThrows(SQLException.class,
        () -> sql(WRITER, "SELECT audit.entry_partition_ensure('unknown')"));

    assertEquals("AU422", e.getSQLState());
    assertTrue(e.getMessage().contains("log unknown has no retention recorded"), e.getMessage());
  }

  @Test
  void migratingAnUnpartitionedTable_keepsEveryEntry_andTheChainVerifies() throws Exception {
    String url = TestDatabase.createUnmigrated();
    try (HikariDataSource o = StoreFactory.ownerPool(url, OWNER, TestDatabase.password(OWNER));
        HikariDataSource w =
            StoreFactory.writerPool(url, WRITER, TestDatabase.password(WRITER), 2)) {
      Migrations.migrate(o, "audit", WRITER, "10");
      RawAppends.append(w, "a", 2500, Instant.now());
      RawAppends.append(w, "b", 7, Instant.now());
      String before = fingerprint(url);

      Migrations.migrate(o, "audit", WRITER);

      assertEquals(before, fingerprint(url));
      PostgresAuditStore store = new PostgresAuditStore(w, "audit", null);
      assertChainVerifies(store.entries("a", 0, Long.MAX_VALUE, 10_000), 2500);
      assertChainVerifies(store.entries("b", 0, Long.MAX_VALUE, 10_000), 7);
      List<Entry> more = LogAppends.append(store, "a", 10);
      assertEquals(2510, more.get(9).getSeq());
      assertEquals(0, store.keepPartitions("a"));
      try (Connection c = TestDatabase.connect(url, "postgres"); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM audit.entry_default")) {
        rs.next();
        assertEquals(0, rs.getLong(1));
      }
    }
  }

  /** Every column of every entry, in order, as one hash. */
  private static String fingerprint(String url) throws SQLException {
    try (Connection c = TestDatabase.connect(url, "postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) || ':' || md5(string_agg(e::text, '|'"
            + " ORDER BY log_id, seq)) FROM audit.entry e")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void assertChainVerifies(List<Entry> entries, int count) {
    assertEquals(count, entries.size());
    String chain = EntryHasher.GENESIS_CHAIN_HASH;
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      assertEquals(i + 1, e.getSeq());
      assertEquals(EntryHasher.entryHash(e), e.getEntryHash(), "entry hash of seq " + (i + 1));
      chain = EntryHasher.chainHash(chain, e.getEntryHash());
      assertEquals(chain, e.getChainHash(), "chain hash of seq " + (i + 1));
    }
  }

  private List<String> partitions() throws SQLException {
    List<String> ranges = new ArrayList<>();
    try (Connection c = db.superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT from_seq || '-' || to_seq"
            + " FROM audit.entry_partition WHERE log_id = 'default' ORDER BY from_seq")) {
      while (rs.next()) {
        ranges.add(rs.getString(1));
      }
    }
    return ranges;
  }

  private Map<String, Long> rowsByPartition() throws SQLException {
    Map<String, Long> rows = new LinkedHashMap<>();
    try (Connection c = db.superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT tableoid::regclass::text, count(*)"
            + " FROM audit.entry GROUP BY 1 ORDER BY 1")) {
      while (rs.next()) {
        rows.put(rs.getString(1).replace("audit.", ""), rs.getLong(2));
      }
    }
    return rows;
  }

  private void sql(String role, String sql) throws SQLException {
    try (Connection c = db.connectAs(role); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.execute();
    }
  }
}
