package dev.auditlog.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGStatement;

/**
 * One page of a List on PostgreSQL, whatever its filters, as index range scans in seq order
 * that stop after the page.
 *
 * <p><b>One index per filter</b> (V4, V10, V15), each {@code (log_id, X, seq)} with X the action
 * (in the "C" collation, so that a prefix is one contiguous range), the user id, a 64-bit
 * hash of the target (a target may hold 4 KB of UTF-8, more than a btree entry may; the
 * target itself is compared on the row), the outcome, the producer, the source address
 * as {@code inet}, and the address's block (its /16, an IPv6 address's /32; V15) for
 * networks of whole blocks. An equality on X leaves the rows in seq order, so a page is one
 * range scan from the page token's seq, {@code limit + 1} rows long.
 *
 * <p><b>The time window is a seq range</b> (recorded_at never decreases as seq grows):
 * one step each into {@code (log_id, recorded_at, seq)} turns since and until into seq
 * bounds before the page query, which then carries no time condition. The same statement
 * reads the log's newest seq, the page's upper bound without until: a bound PostgreSQL can
 * see when it plans the page, to leave out the partitions beyond the log's end.
 *
 * <p><b>A range of values</b>, an action prefix or a network, is not one value: its rows
 * lie in X order, not seq order. The values of a network are its blocks where it is one or
 * more whole blocks (a /16 is one value, a /8 up to 256), else its addresses (a /24, an IPv6
 * /48). The distinct values the log holds in the range are found by stepping through the
 * index from one value to the next (one index descent each). Up to
 * {@value #MAX_MERGED} of them, the page is a merge of one seq-ordered range scan per
 * value ({@code UNION ALL} of {@code ORDER BY seq LIMIT n} branches, a Merge Append that
 * reads at most {@code limit + values} rows). With more, the range is one condition of a
 * scan for the page's last seq in windows of seqs after the page's start, each sized by the
 * density of the matches before it, until the page is full; then the rows up to that seq
 * are the page. The planner chooses, from the statistics of the values bound in (never a
 * generic plan), between the range's index, whose entries in the window it reads and sorts
 * (a narrow range), and walking seq order and filtering (a wide one). The cost grows with
 * the range's entries in the windows, as benchmarks.md shows.
 *
 * <p><b>Combined filters</b> are conditions of the same scans: the planner takes the index
 * of the most selective one by the statistics, and the others filter its rows. That is one
 * short scan whenever one filter is selective (a user, a target, an address, a network, a
 * rare action or producer) or the combination is common among the driving filter's rows
 * (failed logins). A rare combination of common values (an action that seldom fails,
 * asked with that outcome) reads the driving index until a page is full: correct, and
 * slower in proportion. A range plus other filters merges per value as above, each branch
 * filtered. Composite indexes for pairs would make each insert dearer for every log; not
 * added until a pair proves common and slow.
 */
final class PostgresSearch {
  /** Most distinct values of a range that a page merges; beyond, one range condition. */
  static final int MAX_MERGED = 32;
  /** The first seq window of a wide range's page, in pages: a range of 1.6% fills it. */
  private static final long FIRST_WINDOW = 64;

  private static final String ACTION = "action COLLATE \"C\"";
  /** The source address as its index holds it: inet, without an IPv6 zone ({@code %eth0}). */
  private static final String SOURCE_IP = "NULLIF(split_part(source_ip, '%', 1), '')::inet";
  /** The bits of an IPv4 and of an IPv6 address's block in its index (V15). */
  private static final int V4_BLOCK = 16;
  private static final int V6_BLOCK = 32;
  /** The source address's block as its index holds it (V15): a cidr, 10.1.0.0/16. */
  private static final String SOURCE_BLOCK = "network(set_masklen(" + SOURCE_IP
      + ", CASE WHEN family(" + SOURCE_IP + ") = 4 THEN " + V4_BLOCK + " ELSE " + V6_BLOCK
      + " END))";

  private final DataSource dataSource;
  private final String schema;

  PostgresSearch(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  Page list(ListQuery q) throws StoreException {
    try (Connection c = dataSource.getConnection()) {
      EncodedEntries entries = new EncodedEntries(q.limit());
      readPage(c, q, sql -> {
        int[] rows = {0};
        forEachRow(c, sql.text, sql.args, 0, rs -> {
          entries.add(rs);
          rows[0]++;
        });
        return rows[0];
      });
      return entries.page();
    } catch (SQLException e) {
      throw SqlErrors.translate("list", e);
    }
  }

  /**
   * The plans PostgreSQL chooses for the statements that read the rows of the page of
   * {@code q} (their {@code EXPLAIN}s, one line per element, one after the other), or an
   * empty list when no statement is needed. Each is also run: how many rows it reads
   * decides whether another follows.
   */
  List<String> explain(ListQuery q) throws StoreException {
    try (Connection c = dataSource.getConnection()) {
      List<String> plans = new ArrayList<>();
      readPage(c, q, sql -> {
        plans.addAll(query(c, "EXPLAIN " + sql.text, sql.args, rs -> rs.getString(1)));
        return query(c, sql.text, sql.args, rs -> 1).size();
      });
      return plans;
    } catch (SQLException e) {
      throw SqlErrors.translate("explain list", e);
    }
  }

  /** A statement and the values bound to its parameters. */
  private record Sql(String text, List<Object> args) {}

  /** Runs, or explains, each statement that reads rows of a page, in seq order. */
  private interface Rows {
    /** Reads the rows of {@code sql} into the page; returns how many it read. */
    int read(Sql sql) throws SQLException;
  }

  /**
   * Reads the rows of the page, none when nothing can match, with one statement or, for a
   * range with many values, two. Its seqs are bounded by the time window and by the log's
   * newest entry, so that PostgreSQL prunes the partitions beyond it (the one kept ahead,
   * the default one): on the partitions left, which hold disjoint ascending seq ranges, it
   * reads seq order as an ordered Append of each partition's index scan that stops after the
   * page. With the default partition in the plan it would merge or, where the statistics
   * expect few matches, read every match after the page's start and sort them.
   */
  private void readPage(Connection c, ListQuery q, Rows rows) throws SQLException {
    long[] bounds = bounds(c, q);
    long after = Math.max(q.afterSeq(), bounds[0] - 1);
    long before = bounds[1];
    if (after + 1 >= before) {
      return;
    }
    Range range = Range.of(q.filter());
    if (range == null) {
      rows.read(select(q, after, before, null, null));
      return;
    }
    List<String> values = distinct(c, q.logId(), range);
    if (values.isEmpty()) {
      return;
    }
    if (values.size() > MAX_MERGED) {
      readWide(c, q, after, before, rows);
      return;
    }
    rows.read(select(q, after, before, range, values));
  }

  /**
   * Reads the page of a range with many values. First the rows of a small window of seqs
   * after the page's start, in seq order, up to the page: under ORDER BY seq LIMIT the
   * planner may walk seq order and filter, best where the range is most of the log ({@code
   * 0.0.0.0/0}), at worst through the whole window; a dense range's page is then complete.
   * Otherwise the page's last seq: the range's index holds seq after the value, so a scan of
   * it bounded by a window of seqs reads (PostgreSQL 18 skipping between values) the index
   * entries of that window, and no row where the range is the only filter; the windows
   * follow each other, each sized by the matches the ones before found, until the page is
   * full. Without a window the scan would sort every match up to the log's end (about 62,000
   * index entries for a page of a /16 from the middle of a 10-million-entry log). Then the
   * rows after the first window up to that last seq, which are exactly the page's rest.
   */
  private void readWide(Connection c, ListQuery q, long after, long before, Rows rows)
      throws SQLException {
    int wanted = q.limit() + 1;
    long width = FIRST_WINDOW * wanted;
    long firstTo = before - after > width ? after + width : before;
    List<Object> firstArgs = new ArrayList<>();
    int found = rows.read(new Sql(branch(q, after, firstTo, null, null, wanted, firstArgs),
        firstArgs));
    int rest = 0;
    long from = firstTo - 1;
    long last = from;
    while (found + rest < wanted && from + 1 < before) {
      // The next window: wide enough, at the density seen so far, for the rest with a margin.
      int seen = found + rest;
      width = seen == 0 ? width * 8
          : Math.max(wanted, (long) ((wanted - seen) * 1.5 * (from + 1 - after) / seen));
      long to = before - from > width ? from + width : before;
      List<Object> args = new ArrayList<>(List.of(q.logId(), from, to));
      StringBuilder seqs = new StringBuilder("SELECT seq FROM ").append(schema)
          .append(".entry WHERE log_id = ? AND seq > ? AND seq < ?");
      conditions(q.filter(), null, seqs, args);
      args.add(wanted - seen);
      // A window after the first is sized for a sparse range, whose matches the statistics
      // can overestimate a hundredfold; walking it in seq order in the hope of an early
      // LIMIT could read millions of rows. So its matches are taken first (by the index) and
      // only then sorted.
      String sql = "WITH w AS MATERIALIZED (" + seqs + ") SELECT count(*), COALESCE(max(seq), 0)"
          + " FROM (SELECT seq FROM w ORDER BY seq LIMIT ?) s";
      long[] window = query(c, sql, args, rs -> new long[] {rs.getLong(1), rs.getLong(2)}).get(0);
      if (window[0] > 0) {
        rest += (int) window[0];
        last = window[1];
      }
      from = to - 1;
    }
    if (rest > 0) {
      // Exactly the rest lies up to the last seq: no LIMIT, which could tempt the planner to
      // walk seq order and filter (above).
      List<Object> args = new ArrayList<>();
      rows.read(new Sql(branch(q, firstTo - 1, last + 1, null, null, 0, args), args));
    }
  }

  /**
   * The seq bounds of the page: the first seq recorded at or after since (1 without since;
   * the log's end when none is), and, exclusive, the first recorded at or after until or
   * else the one after the log's newest entry, whichever comes first.
   */
  private long[] bounds(Connection c, ListQuery q) throws SQLException {
    String first = "(SELECT f.seq FROM " + schema + ".entry f WHERE f.log_id = ?"
        + " AND f.recorded_at >= ? ORDER BY f.recorded_at, f.seq LIMIT 1)";
    List<Object> args = new ArrayList<>();
    String since = "1";
    String until = Long.toString(Long.MAX_VALUE);
    if (q.since() != null) {
      since = "COALESCE(" + first + ", " + Long.MAX_VALUE + ")";
      args.addAll(List.of(q.logId(), EntryRows.offsetDateTime(q.since())));
    }
    if (q.until() != null) {
      until = "COALESCE(" + first + ", " + Long.MAX_VALUE + ")";
      args.addAll(List.of(q.logId(), EntryRows.offsetDateTime(q.until())));
    }
    args.add(q.logId());
    String end = "COALESCE((SELECT max(h.seq) FROM " + schema + ".entry h WHERE h.log_id = ?), 0)"
        + " + 1";
    // Its plan is the same whatever the values (a descent into the recorded_at index, one to
    // the log's newest seq), so it is prepared on the server once per connection: planned
    // for every page, with the indexes of every partition, it took 0.5 to 0.7 ms of each.
    return query(c, "SELECT " + since + ", LEAST(" + until + ", " + end + ")", args,
        rs -> new long[] {rs.getLong(1), rs.getLong(2)}, 1).get(0);
  }

  /** At most {@code MAX_MERGED + 1} distinct values of the range in the log, ascending. */
  private List<String> distinct(Connection c, String logId, Range r) throws SQLException {
    String next = "SELECT " + r.column + " FROM " + schema + ".entry WHERE log_id = ? AND "
        + r.column + " FROM_HERE AND " + r.column + (r.lastInclusive ? " <= " : " < ") + "?"
        + r.cast + " ORDER BY " + r.column + " LIMIT 1";
    String sql = "WITH RECURSIVE d(v) AS ((" + next.replace("FROM_HERE", ">= ?" + r.cast) + ")"
        + " UNION ALL SELECT (" + next.replace("FROM_HERE", "> d.v") + ") FROM d"
        + " WHERE d.v IS NOT NULL) SELECT v FROM d WHERE v IS NOT NULL LIMIT ?";
    // Its plan is the same whatever the range (a descent into the range's index of every
    // partition per value), so it is prepared on the server like the bounds statement:
    // planning it took 0.7 ms of each page of a range, executing it 0.4.
    return query(c, sql, List.of(logId, r.first, r.last, logId, r.last, MAX_MERGED + 1),
        rs -> rs.getString(1), 1);
  }

  /**
   * The statement of the page's rows, at most {@code limit + 1}: one scan, or with
   * {@code values} one scan per value of {@code range}, merged.
   */
  private Sql select(ListQuery q, long after, long before, Range range, List<String> values) {
    List<Object> args = new ArrayList<>();
    if (values == null || values.size() == 1) {
      String value = values == null ? null : values.get(0);
      return new Sql(branch(q, after, before, values == null ? null : range, value,
          q.limit() + 1, args), args);
    }
    List<String> branches = new ArrayList<>();
    for (String value : values) {
      branches.add("(" + branch(q, after, before, range, value, q.limit() + 1, args) + ")");
    }
    args.add(q.limit() + 1);
    return new Sql(String.join(" UNION ALL ", branches) + " ORDER BY seq LIMIT ?", args);
  }

  /**
   * One seq-ordered scan of at most {@code limit} rows (0: all); with {@code value}, of that
   * value of {@code range} only.
   */
  private String branch(ListQuery q, long after, long before, Range range, String value,
      int limit, List<Object> args) {
    StringBuilder sql = new StringBuilder("SELECT ").append(EntryRows.COLUMNS).append(" FROM ")
        .append(schema).append(".entry WHERE log_id = ? AND seq > ? AND seq < ?");
    Collections.addAll(args, q.logId(), after, before);
    if (range != null) {
      sql.append(" AND ").append(range.column).append(" = ?").append(range.cast);
      args.add(value);
    }
    conditions(q.filter(), range, sql, args);
    sql.append(" ORDER BY seq");
    if (limit > 0) {
      sql.append(" LIMIT ?");
      args.add(limit);
    }
    return sql.toString();
  }

  /**
   * The filter's conditions, each on the expression its index holds; the range that the
   * page merges over ({@code merged}, or null) is left to the branches.
   */
  private static void conditions(EntryFilter f, Range merged, StringBuilder sql,
      List<Object> args) {
    condition(sql, args, ACTION + " = ?", f.action());
    condition(sql, args, "user_id = ?", f.userId());
    if (f.target() != null) {
      condition(sql, args, "hashtextextended(target, 0) = hashtextextended(?, 0)", f.target());
      condition(sql, args, "target = ?", f.target());
    }
    condition(sql, args, "outcome = ?", f.outcome() == null ? null : f.outcome().name());
    condition(sql, args, "producer = ?", f.producer());
    if (f.sourceIp() != null && f.sourceIp().isAddress()) {
      condition(sql, args, SOURCE_IP + " = ?::inet", f.sourceIp().first());
    }
    for (Range r : new Range[] {Range.prefix(f), Range.network(f)}) {
      if (r != null && !r.equals(merged)) {
        sql.append(" AND ").append(r.column).append(" >= ?").append(r.cast).append(" AND ")
            .append(r.column).append(r.lastInclusive ? " <= ?" : " < ?").append(r.cast);
        Collections.addAll(args, r.first, r.last);
      }
    }
  }

  private static void condition(StringBuilder sql, List<Object> args, String cond, Object value) {
    if (value != null) {
      sql.append(" AND ").append(cond);
      args.add(value);
    }
  }

  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private interface RowConsumer {
    void accept(ResultSet rs) throws SQLException;
  }

  /**
   * Runs a statement unprepared on the server, so that PostgreSQL plans it with the values
   * bound: a generic plan cannot tell a rare outcome or a narrow network from a common one
   * (it would walk seq order for outcome ERROR as for SUCCESS). Planning costs a fraction of
   * a millisecond; the rows then come back as text, a few percent of reading them.
   */
  private static <T> List<T> query(Connection c, String sql, List<Object> args,
      RowReader<T> reader) throws SQLException {
    return query(c, sql, args, reader, 0);
  }

  /**
   * Runs a statement, prepared on the server from its {@code prepareThreshold}th execution on
   * the connection (pgjdbc's count; 0: never).
   */
  private static <T> List<T> query(Connection c, String sql, List<Object> args,
      RowReader<T> reader, int prepareThreshold) throws SQLException {
    List<T> rows = new ArrayList<>();
    forEachRow(c, sql, args, prepareThreshold, rs -> rows.add(reader.read(rs)));
    return rows;
  }

  /** Runs a statement as {@link #query} does, giving each row to {@code consumer}. */
  private static void forEachRow(Connection c, String sql, List<Object> args,
      int prepareThreshold, RowConsumer consumer) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.unwrap(PGStatement.class).setPrepareThreshold(prepareThreshold);
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          consumer.accept(rs);
        }
      }
    }
  }

  /**
   * A filter that is a range of index values: the SQL expression its index holds, the first
   * and last value (text), whether the last is in the range, and the cast of a bound value.
   */
  private record Range(String column, String first, String last, boolean lastInclusive,
      String cast) {

    /** The range a page merges over: the action prefix if any, else the network. */
    static Range of(EntryFilter f) {
      if (f.action() != null) {
        return null; // one action: its equality drives, the prefix only filters
      }
      Range prefix = prefix(f);
      return prefix != null ? prefix : network(f);
    }

    static Range prefix(EntryFilter f) {
      String p = f.actionPrefix();
      if (p == null) {
        return null;
      }
      // In the "C" collation text sorts by its UTF-8 bytes: an action starts with p exactly
      // when it lies in [p, p with its last character raised by one). Actions are ASCII.
      String end = p.substring(0, p.length() - 1) + (char) (p.charAt(p.length() - 1) + 1);
      return new Range(ACTION, p, end, false, "");
    }

    static Range network(EntryFilter f) {
      IpRange n = f.sourceIp();
      if (n == null || n.isAddress()) {
        return null; // one address is an equality
      }
      int block = n.addressBits() == 32 ? V4_BLOCK : V6_BLOCK;
      if (n.prefixLength() <= block) {
        // Whole blocks: cidr orders them by family, then address (all of one length here).
        List<String> blocks = n.subnets(block);
        return new Range(SOURCE_BLOCK, blocks.get(0), blocks.get(1), true, "::cidr");
      }
      // Stored addresses are hosts (/32, /128): inet orders them by family, then address.
      return new Range(SOURCE_IP, n.first(), n.last(), true, "::inet");
    }
  }
}
