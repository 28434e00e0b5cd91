package dev.auditlog.server.store;

import static com.google.protobuf.CodedOutputStream.computeInt32Size;
import static com.google.protobuf.CodedOutputStream.computeInt64Size;
import static com.google.protobuf.CodedOutputStream.computeTagSize;
import static com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag;
import static com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.api.v1.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import org.postgresql.PGResultSetMetaData;

/**
 * Writes rows of the entry table, selected with {@link EntryRows#COLUMNS}, as a serialized
 * {@link ListResponse} holding them as entries: the bytes List sends, byte for byte what
 * serializing {@link EntryRows#read}'s entries gives (EncodedEntriesIT), without building
 * those entries. For a page of 1000 entries, building them, and serializing their two maps
 * (a map entry message and the UTF-8 of each key and value, for the size and again for the
 * bytes), was most of the server's CPU for a List call. Here the text columns, and the keys
 * and values of the jsonb maps, go from pgjdbc's bytes to the output without a String.
 *
 * <p>That needs the columns as text, as PostgreSQL sends an unprepared statement's rows; a
 * row transferred in binary is read through {@link EntryRows#read} instead. Not
 * thread-safe: one per page.
 */
final class EncodedEntries {
  private static final int COLUMN_COUNT = 14;
  private static final HexFormat HEX = HexFormat.of();

  private final int limit;
  private final ByteString.Output bytes = ByteString.newOutput(64 * 1024);
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes, 16 * 1024);
  private final Pairs riskSignals = new Pairs();
  private final Pairs attributes = new Pairs();
  private Boolean text;
  private int size;
  private long lastSeq;
  private boolean more;

  /** Writes up to {@code limit} rows; a row past them only makes the page's {@code more}. */
  EncodedEntries(int limit) {
    this.limit = limit;
  }

  /** Writes the row at the cursor as the next entry, or notes that there are more. */
  void add(ResultSet rs) throws SQLException {
    if (size == limit) {
      more = true;
      return;
    }
    if (text == null) {
      text = allText(rs);
    }
    try {
      if (text) {
        write(rs);
      } else {
        Entry e = EntryRows.read(rs);
        out.writeMessage(ListResponse.ENTRIES_FIELD_NUMBER, e);
        lastSeq = e.getSeq();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    size++;
  }

  Page page() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Page.encoded(bytes.toByteString(), size, lastSeq, more);
  }

  private static boolean allText(ResultSet rs) throws SQLException {
    PGResultSetMetaData md = rs.getMetaData().unwrap(PGResultSetMetaData.class);
    for (int i = 1; i <= COLUMN_COUNT; i++) {
      if (md.getFormat(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** The fields in field-number order, as protobuf writes them; defaults left out. */
  private void write(ResultSet rs) throws SQLException, IOException {
    long seq = rs.getLong(1);
    Instant recordedAt = rs.getObject(2, OffsetDateTime.class).toInstant();
    byte[] eventId = rs.getBytes(3); // a uuid's text: ASCII
    byte[] userId = rs.getBytes(4);
    byte[] action = rs.getBytes(5);
    byte[] target = rs.getBytes(6);
    byte[] sourceIp = rs.getBytes(7);
    int outcome = Outcome.valueOf(rs.getString(8)).getNumber();
    OffsetDateTime occurred = rs.getObject(9, OffsetDateTime.class);
    Instant occurredAt = occurred == null ? null : occurred.toInstant();
    riskSignals.read(rs.getBytes(10));
    attributes.read(rs.getBytes(11));
    byte[] producer = rs.getBytes(12);
    byte[] entryHash = hex(rs, 13);
    byte[] chainHash = hex(rs, 14);

    int recordedSize = timestampSize(recordedAt);
    int occurredSize = occurredAt == null ? 0 : timestampSize(occurredAt);
    int entrySize = (seq == 0 ? 0 : computeInt64Size(Entry.SEQ_FIELD_NUMBER, seq))
        + messageSize(Entry.RECORDED_AT_FIELD_NUMBER, recordedSize)
        + stringSize(Entry.EVENT_ID_FIELD_NUMBER, eventId, 0)
        + stringSize(Entry.USER_ID_FIELD_NUMBER, userId, 0)
        + stringSize(Entry.ACTION_FIELD_NUMBER, action, 0)
        + stringSize(Entry.TARGET_FIELD_NUMBER, target, 0)
        + stringSize(Entry.SOURCE_IP_FIELD_NUMBER, sourceIp, 0)
        + (outcome == 0 ? 0 : computeInt32Size(Entry.OUTCOME_FIELD_NUMBER, outcome))
        + (occurredAt == null ? 0 : messageSize(Entry.OCCURRED_AT_FIELD_NUMBER, occurredSize))
        + riskSignals.size(Entry.RISK_SIGNALS_FIELD_NUMBER)
        + attributes.size(Entry.ATTRIBUTES_FIELD_NUMBER)
        + stringSize(Entry.PRODUCER_FIELD_NUMBER, producer, 0)
        + stringSize(Entry.ENTRY_HASH_FIELD_NUMBER, entryHash, 2)
        + stringSize(Entry.CHAIN_HASH_FIELD_NUMBER, chainHash, 2);

    out.writeTag(ListResponse.ENTRIES_FIELD_NUMBER, WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(entrySize);
    if (seq != 0) {
      out.writeInt64(Entry.SEQ_FIELD_NUMBER, seq);
    }
    writeTimestamp(Entry.RECORDED_AT_FIELD_NUMBER, recordedAt, recordedSize);
    writeString(Entry.EVENT_ID_FIELD_NUMBER, eventId, 0);
    writeString(Entry.USER_ID_FIELD_NUMBER, userId, 0);
    writeString(Entry.ACTION_FIELD_NUMBER, action, 0);
    writeString(Entry.TARGET_FIELD_NUMBER, target, 0);
    writeString(Entry.SOURCE_IP_FIELD_NUMBER, sourceIp, 0);
    if (outcome != 0) {
      out.writeEnum(Entry.OUTCOME_FIELD_NUMBER, outcome);
    }
    if (occurredAt != null) {
      writeTimestamp(Entry.OCCURRED_AT_FIELD_NUMBER, occurredAt, occurredSize);
    }
    riskSignals.write(out, Entry.RISK_SIGNALS_FIELD_NUMBER);
    attributes.write(out, Entry.ATTRIBUTES_FIELD_NUMBER);
    writeString(Entry.PRODUCER_FIELD_NUMBER, producer, 0);
    writeString(Entry.ENTRY_HASH_FIELD_NUMBER, entryHash, 2);
    writeString(Entry.CHAIN_HASH_FIELD_NUMBER, chainHash, 2);
    lastSeq = seq;
  }

  /**
   * A bytea column's value as lower-case hex, after two characters to skip: its text as
   * PostgreSQL writes it by default ({@code bytea_output = hex}: {@code \x} and the digits).
   */
  private static byte[] hex(ResultSet rs, int column) throws SQLException {
    String text = rs.getString(column);
    return (text.startsWith("\\x") ? text : "\\x" + HEX.formatHex(rs.getBytes(column)))
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static int timestampSize(Instant t) {
    return (t.getEpochSecond() == 0 ? 0
        : computeInt64Size(Timestamp.SECONDS_FIELD_NUMBER, t.getEpochSecond()))
        + (t.getNano() == 0 ? 0 : computeInt32Size(Timestamp.NANOS_FIELD_NUMBER, t.getNano()));
  }

  private void writeTimestamp(int field, Instant t, int size) throws IOException {
    out.writeTag(field, WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(size);
    if (t.getEpochSecond() != 0) {
      out.writeInt64(Timestamp.SECONDS_FIELD_NUMBER, t.getEpochSecond());
    }
    if (t.getNano() != 0) {
      out.writeInt32(Timestamp.NANOS_FIELD_NUMBER, t.getNano());
    }
  }

  private static int messageSize(int field, int size) {
    return computeTagSize(field) + computeUInt32SizeNoTag(size) + size;
  }

  /** The size of a string field of {@code value} after its first {@code skip} bytes. */
  private static int stringSize(int field, byte[] value, int skip) {
    int length = value == null ? 0 : value.length - skip;
    return length == 0 ? 0 : messageSize(field, length);
  }

  private void writeString(int field, byte[] value, int skip) throws IOException {
    int length = value == null ? 0 : value.length - skip;
    if (length > 0) {
      out.writeTag(field, WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(length);
      out.writeRawBytes(value, skip, length);
    }
  }

  /**
   * The keys and values of a jsonb object of strings, as spans of UTF-8 bytes: spans of the
   * text PostgreSQL wrote ({@code {"k": "v", "k2": "v2"}}, keys in jsonb's order) where a
   * string has no escape; otherwise the object is read by {@link StringMaps} and the spans
   * are of the strings it gives, in the same order. Written as a map field: one entry
   * message (key 1, value 2, both always written, as protobuf writes map entries) per pair.
   */
  private static final class Pairs {
    private byte[][] arrays = new byte[16][];
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];
    /** Spans in use: twice the pairs. */
    private int spans;

    void read(byte[] json) {
      spans = 0;
      if (json != null && !scan(json)) {
        spans = 0;
        StringMaps.parse(new String(json, StandardCharsets.UTF_8), (key, value) -> {
          byte[] k = key.getBytes(StandardCharsets.UTF_8);
          byte[] v = value.getBytes(StandardCharsets.UTF_8);
          add(k, 0, k.length);
          add(v, 0, v.length);
        });
      }
    }

    /** Reads the shape jsonb writes, strings without escapes; false for anything else. */
    private boolean scan(byte[] s) {
      int i = expect(s, 0, '{');
      int end = expect(s, i, '}');
      while (i > 0 && end < 0) {
        i = expect(s, string(s, i), ':'); // the key
        i = string(s, i); // its value
        end = expect(s, i, '}');
        i = expect(s, i, ',');
      }
      return end > 0 && skipBlanks(s, end) == s.length;
    }

    /** The index after blanks and {@code ch} from {@code i}; -1 if that is not next. */
    private static int expect(byte[] s, int i, char ch) {
      if (i < 0) {
        return -1;
      }
      i = skipBlanks(s, i);
      return i < s.length && s[i] == ch ? i + 1 : -1;
    }

    /**
     * Adds the span of the string without escapes that comes next after {@code i} and
     * returns the index after it; -1 if no such string is next.
     */
    private int string(byte[] s, int i) {
      i = expect(s, i, '"');
      if (i < 0) {
        return -1;
      }
      int start = i;
      while (i < s.length && s[i] != '"' && s[i] != '\\') {
        i++;
      }
      if (i == s.length || s[i] == '\\') {
        return -1;
      }
      add(s, start, i - start);
      return i + 1;
    }

    private static int skipBlanks(byte[] s, int i) {
      while (i < s.length && s[i] == ' ') {
        i++;
      }
      return i;
    }

    private void add(byte[] array, int offset, int length) {
      if (spans == arrays.length) {
        arrays = Arrays.copyOf(arrays, spans * 2);
        offsets = Arrays.copyOf(offsets, spans * 2);
        lengths = Arrays.copyOf(lengths, spans * 2);
      }
      arrays[spans] = array;
      offsets[spans] = offset;
      lengths[spans] = length;
      spans++;
    }

    private int entrySize(int pair) {
      int k = lengths[2 * pair];
      int v = lengths[2 * pair + 1];
      return 2 + computeUInt32SizeNoTag(k) + k + computeUInt32SizeNoTag(v) + v;
    }

    int size(int field) {
      int size = 0;
      for (int p = 0; p < spans / 2; p++) {
        size += messageSize(field, entrySize(p));
      }
      return size;
    }

    void write(CodedOutputStream out, int field) throws IOException {
      for (int p = 0; p < spans / 2; p++) {
        out.writeTag(field, WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(entrySize(p));
        for (int part = 0; part < 2; part++) {
          int s = 2 * p + part;
          out.writeTag(part + 1, WIRETYPE_LENGTH_DELIMITED);
          out.writeUInt32NoTag(lengths[s]);
          out.writeRawBytes(arrays[s], offsets[s], lengths[s]);
        }
      }
    }
  }
}
