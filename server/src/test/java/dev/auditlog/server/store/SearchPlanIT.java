package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.server.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each List filter is served by its index (V10, V15) on a real PostgreSQL with 50,000
 * entries in which each asked value is rare (0.002% to 2%): the plan of the page reads that index. An
 * index is used only where the query compares exactly the expression the index holds (the
 * same casts, the same constants); where they drift apart, these pages scan the whole log.
 */
class SearchPlanIT {
  private static final String LOG = "default";
  private static TestDatabase db;
  private static HikariDataSource owner;
  /** Each index of a partition of entry, to the index of entry it belongs to. */
  private static final Map<String, String> PARENT_INDEX = new HashMap<>();

  @BeforeAll
  static void fill() throws SQLException {
    db = TestDatabase.create();
    owner = StoreFactory.ownerPool(db.jdbcUrl(), TestDatabase.OWNER,
        TestDatabase.password(TestDatabase.OWNER));
    try (Connection c = db.superuser(); Statement s = c.createStatement()) {
      // Made-up rows without a chain: the guards (V3, V5) are triggers, off for this database.
      s.execute("ALTER TABLE audit.entry DISABLE TRIGGER USER");
      s.execute("INSERT INTO audit.entry (log_id, seq, recorded_at, event_id, user_id, action,"
          + " target, source_ip, outcome, risk_signals, attributes, producer, entry_hash,"
          + " chain_hash)"
          + " SELECT 'default', i, now() - interval '1 day' + i * interval '1 ms',"
          + " gen_random_uuid(), 'user-' || i % 5000, 'a' || i % 50 || '.x', 'tenant/' || i % 5000,"
          + " CASE WHEN i % 2 = 0 THEN '10.' || i % 200 || '.' || i / 200 % 250 || '.' || i % 7 + 1"
          + " ELSE '2001:' || to_hex(3512 + i % 200) || '::' || to_hex(i % 60000 + 1) END,"
          + " CASE WHEN i % 100 = 0 THEN 'OUTCOME_ERROR' ELSE 'OUTCOME_SUCCESS' END,"
          + " '{}', '{}', CASE WHEN i % 100 = 1 THEN 'rare' ELSE 'p' END,"
          + " sha256(i::text::bytea), sha256(i::text::bytea)"
          + " FROM generate_series(1, 50000) i");
      s.execute("ANALYZE audit.entry");
      try (ResultSet rs = s.executeQuery("SELECT c.relname, p.relname FROM pg_inherits i"
          + " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
          + " WHERE p.relkind = 'I'")) {
        while (rs.next()) {
          PARENT_INDEX.put(rs.getString(1), rs.getString(2));
        }
      }
    }
  }

  @AfterAll
  static void close() {
    owner.close();
    db.close();
  }

  @Test
  void eachFilter_readsItsIndex() throws Exception {
    Map<EntryFilter, String> expected = new HashMap<>();
    EntryFilter none = EntryFilter.NONE;
    expected.put(EntryFilter.action("a7.x"), "entry_action_c_seq");
    expected.put(none.withActionPrefix("a7."), "entry_action_c_seq");
    expected.put(none.withUserId("user-7"), "entry_user_id_seq");
    expected.put(none.withTarget("tenant/7"), "entry_target_hash_seq");
    expected.put(none.withOutcome(Outcome.OUTCOME_ERROR), "entry_outcome_seq");
    expected.put(none.withProducer("rare"), "entry_producer_seq");
    expected.put(ip("10.8.0.2"), "entry_source_ip_seq");
    expected.put(ip("10.8.0.0/24"), "entry_source_ip_seq");
    expected.put(ip("2001:e01::4a"), "entry_source_ip_seq");
    expected.put(ip("10.8.0.0/16"), "entry_source_block_seq");
    expected.put(ip("10.8.0.0/15"), "entry_source_block_seq");
    expected.put(ip("2001:e01::/32"), "entry_source_block_seq");
    PostgresSearch search = new PostgresSearch(owner, "audit");

    for (Map.Entry<EntryFilter, String> e : expected.entrySet()) {
      ListQuery q = new ListQuery(LOG, 0, null, null, e.getKey(), 1000);
      String plan = String.join("\n", search.explain(q));
      assertTrue(indexes(plan).contains(e.getValue()),
          e.getKey() + " read " + indexes(plan) + ":\n" + plan);
      assertFalse(search.list(q).entries().isEmpty(), e.getKey().toString());
    }
  }

  /**
   * A network of more blocks than a page merges, holding half the log (every IPv4 address
   * here, in 200 /16 blocks): its page is read in seq order from the first window of seqs,
   * by the statement that reads its rows, after those of the page's bounds and the blocks;
   * not found by a window first and then read.
   */
  @Test
  void denseNetworkOfManyBlocks_isReadInSeqOrder_byItsFirstWindow() throws Exception {
    List<String> statements = new ArrayList<>();
    PostgresSearch search = new PostgresSearch(recording(owner, statements), "audit");
    ListQuery q = new ListQuery(LOG, 10_000, null, null, ip("10.0.0.0/8"), 1000);

    Page page = search.list(q);

    assertEquals(LongStream.rangeClosed(1, 1000).map(i -> 10_000 + 2 * i).boxed().toList(),
        page.entries().stream().map(Entry::getSeq).toList());
    assertTrue(page.more());
    assertEquals(3, statements.size(), String.join("\n", statements));
    assertTrue(statements.get(2).startsWith("SELECT " + EntryRows.COLUMNS), statements.get(2));
    String plan = String.join("\n", search.explain(q));
    assertEquals(Set.of("entry_pkey"), indexes(plan), plan);
  }

  /** {@code pool}, adding the text of each statement its connections prepare to {@code sql}. */
  private static DataSource recording(DataSource pool, List<String> sql) {
    return (DataSource) Proxy.newProxyInstance(SearchPlanIT.class.getClassLoader(),
        new Class<?>[] {DataSource.class}, (ds, dsMethod, dsArgs) -> {
          Object result = invoke(pool, dsMethod, dsArgs);
          if (!dsMethod.getName().equals("getConnection")) {
            return result;
          }
          Connection c = (Connection) result;
          return Proxy.newProxyInstance(SearchPlanIT.class.getClassLoader(),
              new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                if (method.getName().equals("prepareStatement")) {
                  sql.add((String) args[0]);
                }
                return invoke(c, method, args);
              });
        });
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Test
  void timeWindows_boundTheirPages_alsoOnceTheBoundsStatementIsPreparedOnTheServer()
      throws Exception {
    Instant first;
    try (Connection c = db.superuser(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT min(recorded_at) FROM audit.entry")) {
      rs.next();
      first = rs.getObject(1, OffsetDateTime.class).toInstant();
    }
    // One connection, so that every page's bounds statement runs on it: pgjdbc prepares it
    // on the server, and PostgreSQL plans it generically after five executions.
    try (HikariDataSource one = StoreFactory.writerPool(db.jdbcUrl(), TestDatabase.WRITER,
        TestDatabase.password(TestDatabase.WRITER), 1)) {
      PostgresSearch search = new PostgresSearch(one, "audit");
      for (int k = 0; k < 12; k++) {
        // entry i is recorded at first + (i - 1) ms: [since, until) holds 1 + 3000k .. 500 more
        Instant since = first.plusMillis(3000L * k);
        ListQuery q = new ListQuery(LOG, 0, since, since.plusMillis(500), EntryFilter.NONE,
            1000);
        List<Entry> page = search.list(q).entries();

        assertEquals(500, page.size(), "window " + k);
        assertEquals(1 + 3000L * k, page.get(0).getSeq(), "window " + k);
        assertEquals(500 + 3000L * k, page.get(499).getSeq(), "window " + k);
      }
      ListQuery open = new ListQuery(LOG, 0, first.plusMillis(49_990), null, EntryFilter.NONE,
          1000);
      assertEquals(List.of(49_991L, 49_992L, 49_993L, 49_994L, 49_995L, 49_996L, 49_997L,
          49_998L, 49_999L, 50_000L), search.list(open).entries().stream().map(Entry::getSeq)
          .toList());
      assertGenericPlans(one, "%LEAST(%", "the bounds statement");
    }
  }

  @Test
  void networks_pageRight_alsoOnceTheirDistinctValuesStatementIsPreparedOnTheServer()
      throws Exception {
    // One connection, as above: the statement that finds a range's distinct values is
    // prepared on the server, and PostgreSQL plans it generically after five executions.
    try (HikariDataSource one = StoreFactory.writerPool(db.jdbcUrl(), TestDatabase.WRITER,
        TestDatabase.password(TestDatabase.WRITER), 1)) {
      PostgresSearch search = new PostgresSearch(one, "audit");
      for (int k = 0; k < 12; k++) {
        String network = "10." + (14 * k) + ".0.0/20"; // 16 addresses: merged
        List<Long> expected = new ArrayList<>();
        try (Connection c = db.superuser(); PreparedStatement ps = c.prepareStatement(
            "SELECT seq FROM audit.entry WHERE source_ip::inet <<= ?::inet ORDER BY seq")) {
          ps.setString(1, network);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              expected.add(rs.getLong(1));
            }
          }
        }
        Page page = search.list(new ListQuery(LOG, 0, null, null, ip(network), 1000));

        assertFalse(expected.isEmpty(), network);
        assertEquals(expected, page.entries().stream().map(Entry::getSeq).toList(), network);
      }
      assertGenericPlans(one, "WITH RECURSIVE%", "the distinct values statement");
    }
  }

  /**
   * PostgreSQL planned the statements prepared on {@code one}'s connection whose text is
   * LIKE {@code pattern} generically at least once.
   */
  private static void assertGenericPlans(DataSource one, String pattern, String what)
      throws SQLException {
    try (Connection c = one.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements"
            + " WHERE statement LIKE ?")) {
      ps.setString(1, pattern);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertTrue(rs.getLong(1) > 0, "generic plans " + rs.getLong(1) + ", custom plans "
            + rs.getLong(2) + " of " + what);
      }
    }
  }

  /** The indexes of entry that a plan reads (through the partitions' indexes). */
  private static TreeSet<String> indexes(String plan) {
    TreeSet<String> read = new TreeSet<>();
    PARENT_INDEX.forEach((partitionIndex, index) -> {
      if (plan.matches("(?s).*\\b" + partitionIndex + "\\b.*")) {
        read.add(index);
      }
    });
    return read;
  }

  private static EntryFilter ip(String range) {
    return EntryFilter.NONE.withSourceIp(IpRange.parse(range));
  }
}
