package dev.auditlog.client.bench;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.JsonText;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Fills a log with the entries of {@link SearchData} straight into PostgreSQL, as the
 * superuser, with one {@code COPY} per chunk of {@value #CHUNK} rows, each its own
 * transaction. Every row is sealed as the server seals it (entry_hash over its canonical
 * JSON, chain_hash after the one before, recorded_at never going back), so the database's
 * chain guard (V5) checks each chunk as it checks the server's INSERTs, and the filled log
 * exports and verifies like any other. A fill that stopped half-way continues from the head.
 */
final class SearchFill {
  static final int CHUNK = 50_000;
  private static final String COLUMNS = "log_id, seq, recorded_at, event_id, user_id, action,"
      + " target, source_ip, outcome, occurred_at, risk_signals, attributes, producer,"
      + " entry_hash, chain_hash";
  private static final HexFormat HEX = HexFormat.of();

  private final String jdbcUrl;
  private final String logId;
  private final SearchData data;

  SearchFill(String jdbcUrl, String logId, SearchData data) {
    this.jdbcUrl = jdbcUrl;
    this.logId = logId;
    this.data = data;
  }

  /**
   * Where the log's entries lie in time (recorded_at of seq 1, and the span they cover), and
   * how many this fill appended.
   */
  record Span(Instant start, Duration length, long appended) {}

  /**
   * Appends entries until the log holds {@code total}, spread evenly over {@code span} up to
   * now (or continuing the span of the entries already there), then VACUUM ANALYZEs the table.
   * Returns the span of the log's entries.
   */
  Span fill(long total, Duration span, Consumer<String> progress) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl)) {
      c.setAutoCommit(true);
      Object[] head = head(c);
      long from = (Long) head[0];
      Instant start = head[2] != null ? (Instant) head[2]
          : Instant.now().minus(span).minusSeconds(60);
      if (from >= total) {
        return new Span(start, span, 0);
      }
      progress.accept(String.format("filling log '%s' from seq %d to %d", logId, from + 1, total));
      copyAll(c, from, (String) head[1], total, start, span, progress);
      try (Statement s = c.createStatement()) {
        s.execute("VACUUM (ANALYZE) audit.entry");
        s.execute("CHECKPOINT");
      }
      return new Span(start, span, total - from);
    }
  }

  private void copyAll(Connection c, long from, String chain, long total, Instant start,
      Duration span, Consumer<String> progress) throws Exception {
    long startMicros = start.getEpochSecond() * 1_000_000 + start.getNano() / 1000;
    long spanMicros = span.toNanos() / 1000;
    CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
    BlockingQueue<String> chunks = new ArrayBlockingQueue<>(2);
    ExecutorService sealer = Executors.newSingleThreadExecutor();
    try {
      Future<?> sealing = sealer.submit(() -> {
        String previous = chain;
        for (long seq = from + 1; seq <= total; seq += CHUNK) {
          StringBuilder text = new StringBuilder(CHUNK * 600);
          long end = Math.min(total, seq + CHUNK - 1);
          for (long s = seq; s <= end; s++) {
            Entry e = seal(s, previous, recordedAt(s, total, startMicros, spanMicros));
            previous = e.getChainHash();
            line(text, e);
          }
          chunks.put(text.toString());
        }
        return null;
      });
      long began = System.nanoTime();
      for (long seq = from + 1; seq <= total; seq += CHUNK) {
        copy.copyIn("COPY audit.entry (" + COLUMNS + ") FROM STDIN", new StringReader(
            chunks.take()));
        long done = Math.min(total, seq + CHUNK - 1);
        if (done % 1_000_000 < CHUNK || done == total) {
          double seconds = (System.nanoTime() - began) / 1e9;
          progress.accept(String.format("  %,d entries, %.0f s, %.0f entries/s", done, seconds,
              (done - from) / seconds));
        }
      }
      sealing.get();
    } finally {
      sealer.shutdownNow();
    }
  }

  private static Timestamp recordedAt(long seq, long total, long startMicros, long spanMicros) {
    return SearchData.recordedAt(seq - 1, total, startMicros, spanMicros);
  }

  /** Entry {@code seq} sealed after {@code previousChain}, as the server's sequencer seals. */
  private Entry seal(long seq, String previousChain, Timestamp recordedAt) {
    Entry e = data.draft(seq - 1).toBuilder().setSeq(seq).setRecordedAt(recordedAt).build();
    String entryHash = EntryHasher.entryHash(e);
    return e.toBuilder().setEntryHash(entryHash)
        .setChainHash(EntryHasher.chainHash(previousChain, entryHash)).build();
  }

  private void line(StringBuilder out, Entry e) {
    String[] values = {logId, Long.toString(e.getSeq()), EntryHasher.timestamp(e.getRecordedAt()),
      e.getEventId(), e.getUserId(), e.getAction(), e.getTarget(), e.getSourceIp(),
      e.getOutcome().name(), "\\N", JsonText.object(e.getRiskSignalsMap()),
      JsonText.object(e.getAttributesMap()), e.getProducer(), "\\\\x" + e.getEntryHash(),
      "\\\\x" + e.getChainHash()};
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        out.append('\t');
      }
      // Generated values hold no tab, newline or backslash; \N above is NULL, and \\x
      // reaches bytea as \x, the start of its hex form.
      out.append(values[i]);
    }
    out.append('\n');
  }

  /** The head's seq and chain hash, and the recorded_at of seq 1 (null for an empty log). */
  private Object[] head(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT h.seq, h.chain_hash, f.recorded_at"
        + " FROM (SELECT 1) AS one"
        + " LEFT JOIN LATERAL (SELECT seq, chain_hash FROM audit.entry WHERE log_id = ?"
        + " ORDER BY seq DESC LIMIT 1) AS h ON true"
        + " LEFT JOIN audit.entry f ON f.log_id = ? AND f.seq = 1")) {
      ps.setString(1, logId);
      ps.setString(2, logId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        byte[] chain = rs.getBytes(2);
        OffsetDateTime first = rs.getObject(3, OffsetDateTime.class);
        return new Object[] {rs.getLong(1),
            chain == null ? EntryHasher.GENESIS_CHAIN_HASH : HEX.formatHex(chain),
            first == null ? null : first.toInstant()};
      }
    }
  }
}
