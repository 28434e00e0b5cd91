package dev.auditlog.server.forward;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows the Logs Ingestion API receives for records, and how they are grouped into calls.
 *
 * <p>A row is one JSON object: {@code TimeGenerated} (the record's {@code recorded_at}, which
 * Log Analytics tables need), then the record's members under their own names (see {@link
 * ForwardRecord#members()}), except {@code type}, which is {@code record_type}: every Log
 * Analytics table has a standard {@code Type} column (the table's name), and whether a custom
 * {@code type} differing only in case is accepted is not something to rely on. {@code
 * recorded_at} and {@code occurred_at} stay strings in the hash format's text form (an absent
 * {@code occurred_at} is {@code ""}), so a row's values are exactly what the hashes cover. The
 * DCR's stream must declare these columns (docs/siem.md): as we read Microsoft's
 * documentation, a column the stream does not declare is dropped, not refused.
 *
 * <p>A call's body is a JSON array of rows of at most {@link #MAX_BODY_BYTES} bytes: the API
 * takes at most 1 MB per call, and 1,000,000 bytes of uncompressed JSON stays under that
 * whichever way the limit is read (10^6 or 2^20 bytes, before or after compression).
 */
final class SentinelRows {
  static final int MAX_BODY_BYTES = 1_000_000;
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls()
      .create();

  private SentinelRows() {}

  /** The row of {@code r}, as JSON text. */
  static String row(ForwardRecord r) {
    Map<String, Object> row = new LinkedHashMap<>();
    Map<String, Object> members = r.members();
    row.put("TimeGenerated", members.get("recorded_at"));
    members.forEach((k, v) -> row.put(k.equals("type") ? "record_type" : k, v));
    return GSON.toJson(row);
  }

  /** The UTF-8 size of each row. */
  static int[] sizes(List<String> rows) {
    int[] sizes = new int[rows.size()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = rows.get(i).getBytes(StandardCharsets.UTF_8).length;
    }
    return sizes;
  }

  /**
   * How many rows from {@code from} fit in one body of at most {@code maxBytes}: the array's
   * brackets, the rows and the commas between them. 0 if the row at {@code from} alone does
   * not fit.
   */
  static int fitting(int[] sizes, int from, int maxBytes) {
    long bytes = 2;
    int n = 0;
    while (from + n < sizes.length) {
      long more = sizes[from + n] + (n > 0 ? 1 : 0);
      if (bytes + more > maxBytes) {
        break;
      }
      bytes += more;
      n++;
    }
    return n;
  }

  /** The body of a call: the rows as a JSON array. */
  static String body(List<String> rows) {
    return "[" + String.join(",", rows) + "]";
  }
}
