package dev.auditlog.client.verify;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.auditlog.client.verify.ExportLine.CheckpointLine;
import dev.auditlog.client.verify.ExportLine.EntryLine;
import dev.auditlog.client.verify.ExportLine.Header;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.EntryFields;
import dev.auditlog.integrity.ExportFormat;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses export lines strictly: one JSON object per line, each member once, exactly the
 * members its {@code type} has (in its version), numbers only where integers belong, arrays
 * only of strings, every string (map keys and values included) valid Unicode text without
 * U+0000. Values are taken as written, never
 * normalized, so that what is hashed is what the file says.
 */
final class ExportLineParser {
  /** For {@link #parse(String, int)}: a line of a file of either version. */
  static final int ANY_VERSION = 0;

  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
  private static final Set<String> HEADER = Set.of("type", "format", "version", "log_id",
      "from_seq", "to_seq", "prev_chain_hash");
  private static final Set<String> HEADER_2 = plus(HEADER, "left_frontier");
  private static final Set<String> ENTRY = Set.of("type", "seq", "recorded_at", "event_id",
      "user_id", "action", "target", "source_ip", "outcome", "occurred_at", "risk_signals",
      "attributes", "producer", "entry_hash", "chain_hash");
  private static final Set<String> CHECKPOINT = Set.of("type", "log_id", "seq", "chain_hash",
      "recorded_at", "key_id", "signature");
  private static final Set<String> CHECKPOINT_TREE =
      plus(CHECKPOINT, "tree_size", "merkle_root", "note");
  private static final Set<String> HASHED = Set.of("v", "seq", "recorded_at", "event_id",
      "user_id", "action", "target", "source_ip", "outcome", "occurred_at", "risk_signals",
      "attributes", "producer");

  private ExportLineParser() {}

  /**
   * Parses a line of a file of either version.
   *
   * @throws MalformedLineException naming what is wrong
   */
  static ExportLine parse(String line) throws MalformedLineException {
    return parse(line, ANY_VERSION);
  }

  /**
   * Parses a line of a file whose header says {@code version}: a version-1 checkpoint line
   * has no tree members.
   *
   * @throws MalformedLineException naming what is wrong
   */
  static ExportLine parse(String line, int version) throws MalformedLineException {
    Map<String, Object> m = object(line);
    Object type = m.get("type");
    if ("entry".equals(type)) {
      return entry(m);
    } else if ("header".equals(type)) {
      return header(m);
    } else if ("checkpoint".equals(type)) {
      return checkpoint(m, version);
    }
    throw new MalformedLineException("unknown line type " + type);
  }

  /**
   * Parses the object an entry hash is computed over (docs/hash-format.md section 1): the
   * twelve fields and {@code "v":1}, nothing else. Checks members and types, not that the
   * text is canonical.
   *
   * @throws MalformedLineException naming what is wrong
   */
  static EntryFields hashedObject(String json) throws MalformedLineException {
    return hashedObject(object(json));
  }

  /**
   * Parses an entry line of an export, or (an object without {@code type}) the object an
   * entry hash is computed over, whose line then has no stored hashes (they are null).
   *
   * @throws MalformedLineException naming what is wrong
   */
  static EntryLine entryOrHashedObject(String json) throws MalformedLineException {
    Map<String, Object> m = object(json);
    if (!m.containsKey("type")) {
      return new EntryLine(hashedObject(m), null, null);
    }
    if (!"entry".equals(m.get("type"))) {
      throw new MalformedLineException("not an entry line, but a line of type " + m.get("type"));
    }
    return entry(m);
  }

  private static EntryFields hashedObject(Map<String, Object> m) throws MalformedLineException {
    members(m, HASHED, "hashed entry");
    if (!Long.valueOf(1).equals(m.get("v"))) {
      throw new MalformedLineException("hashed entry: v must be 1, got " + m.get("v"));
    }
    return fields(m);
  }

  private static Header header(Map<String, Object> m) throws MalformedLineException {
    Object version = m.get("version");
    if (!ExportFormat.FORMAT.equals(m.get("format")) || !(version instanceof Long v)
        || (v != ExportFormat.VERSION_1 && v != ExportFormat.VERSION_2)) {
      throw new MalformedLineException("not an " + ExportFormat.FORMAT + " version "
          + ExportFormat.VERSION_1 + " or " + ExportFormat.VERSION_2 + " file: format "
          + m.get("format") + " version " + version);
    }
    boolean tree = v == ExportFormat.VERSION_2;
    members(m, tree ? HEADER_2 : HEADER, "version " + v + " header");
    long from = number(m, "from_seq");
    if (from < 1) {
      throw new MalformedLineException("header from_seq must be >= 1, got " + from);
    }
    return new Header(v.intValue(), string(m, "log_id"), from, number(m, "to_seq"),
        hash(m, "prev_chain_hash"), tree ? hashes(m, "left_frontier") : List.of());
  }

  private static EntryLine entry(Map<String, Object> m) throws MalformedLineException {
    members(m, ENTRY, "entry");
    return new EntryLine(fields(m), hash(m, "entry_hash"), hash(m, "chain_hash"));
  }

  private static EntryFields fields(Map<String, Object> m) throws MalformedLineException {
    return new EntryFields(number(m, "seq"), string(m, "recorded_at"),
        string(m, "event_id"), string(m, "user_id"), string(m, "action"), string(m, "target"),
        string(m, "source_ip"), string(m, "outcome"), string(m, "occurred_at"),
        map(m, "risk_signals"), map(m, "attributes"), string(m, "producer"));
  }

  private static CheckpointLine checkpoint(Map<String, Object> m, int version)
      throws MalformedLineException {
    boolean tree = m.containsKey("merkle_root") && version != ExportFormat.VERSION_1;
    members(m, tree ? CHECKPOINT_TREE : CHECKPOINT, "checkpoint");
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(string(m, "signature"));
    } catch (IllegalArgumentException e) {
      throw new MalformedLineException("checkpoint signature is not base64");
    }
    long seq = number(m, "seq");
    if (seq < 0) {
      throw new MalformedLineException("checkpoint seq must be >= 0, got " + seq);
    }
    if (tree && number(m, "tree_size") != seq) {
      throw new MalformedLineException("checkpoint tree_size must equal its seq " + seq
          + ", got " + m.get("tree_size"));
    }
    return new CheckpointLine(new CheckpointPayload(string(m, "log_id"), seq,
        hash(m, "chain_hash"), string(m, "recorded_at"), tree ? hash(m, "merkle_root") : null),
        string(m, "key_id"), signature, tree ? string(m, "note") : null);
  }

  private static void members(Map<String, Object> m, Set<String> expected, String type)
      throws MalformedLineException {
    if (!m.keySet().equals(expected)) {
      Set<String> missing = new java.util.TreeSet<>(expected);
      missing.removeAll(m.keySet());
      Set<String> extra = new java.util.TreeSet<>(m.keySet());
      extra.removeAll(expected);
      throw new MalformedLineException(type + " line: missing " + missing + ", unknown " + extra);
    }
  }

  private static String string(Map<String, Object> m, String key) throws MalformedLineException {
    if (m.get(key) instanceof String s) {
      return s;
    }
    throw new MalformedLineException(key + " must be a string");
  }

  private static long number(Map<String, Object> m, String key) throws MalformedLineException {
    if (m.get(key) instanceof Long n) {
      return n;
    }
    throw new MalformedLineException(key + " must be an integer");
  }

  private static String hash(Map<String, Object> m, String key) throws MalformedLineException {
    String s = string(m, key);
    if (!HASH.matcher(s).matches()) {
      throw new MalformedLineException(key + " must be 64 lowercase hex digits");
    }
    return s;
  }

  /** An array of 64 lowercase hex digits each, as raw hashes. */
  private static List<byte[]> hashes(Map<String, Object> m, String key)
      throws MalformedLineException {
    if (!(m.get(key) instanceof List<?> list)) {
      throw new MalformedLineException(key + " must be an array of hashes");
    }
    List<byte[]> hashes = new ArrayList<>(list.size());
    for (Object o : list) {
      if (!(o instanceof String s) || !HASH.matcher(s).matches()) {
        throw new MalformedLineException(key + " must hold 64 lowercase hex digits each");
      }
      hashes.add(HexFormat.of().parseHex(s));
    }
    return hashes;
  }

  private static Set<String> plus(Set<String> members, String... more) {
    Set<String> all = new HashSet<>(members);
    all.addAll(List.of(more));
    return Set.copyOf(all);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> map(Map<String, Object> m, String key)
      throws MalformedLineException {
    if (m.get(key) instanceof Map<?, ?> map) {
      return (Map<String, String>) map;
    }
    throw new MalformedLineException(key + " must be an object of strings");
  }

  private static Map<String, Object> object(String line) throws MalformedLineException {
    try (JsonReader r = new JsonReader(new StringReader(line))) {
      Map<String, Object> m = members(r, null);
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new MalformedLineException("more than one JSON value on the line");
      }
      return m;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new MalformedLineException("not a JSON object as the format allows: " + e.getMessage());
    }
  }

  /**
   * Reads an object; members are strings, integers or (at the top, where {@code parent} is
   * null) objects of strings. Every name and string is valid Unicode text.
   */
  private static Map<String, Object> members(JsonReader r, String parent)
      throws IOException, MalformedLineException {
    Map<String, Object> m = new HashMap<>();
    r.beginObject();
    while (r.hasNext()) {
      String name = r.nextName();
      requireText(name, parent, null);
      Object value = switch (r.peek()) {
        case STRING -> requireText(r.nextString(), parent, name);
        case NUMBER -> parent == null ? integer(r.nextString(), name) : null;
        case BEGIN_OBJECT -> parent == null ? members(r, name) : null;
        case BEGIN_ARRAY -> parent == null ? strings(r, name) : null;
        default -> null;
      };
      if (value == null) {
        throw new MalformedLineException(
            "member " + name + " has a type the format does not allow");
      }
      if (m.put(name, value) != null) {
        throw new MalformedLineException("member " + name + " appears twice");
      }
    }
    r.endObject();
    return m;
  }

  /**
   * A JSON number written as an integer ({@code 1}, never {@code 1.0} or {@code 1e0}, which
   * Gson's {@code nextLong} would take) that fits a long.
   */
  private static Long integer(String literal, String name) throws MalformedLineException {
    if (!INTEGER.matcher(literal).matches()) {
      throw new MalformedLineException("member " + name + " must be an integer, got " + literal);
    }
    try {
      return Long.parseLong(literal);
    } catch (NumberFormatException e) {
      throw new MalformedLineException("member " + name + " is too large: " + literal);
    }
  }

  /** Reads an array of strings, each valid Unicode text. */
  private static List<String> strings(JsonReader r, String name)
      throws IOException, MalformedLineException {
    List<String> values = new ArrayList<>();
    r.beginArray();
    while (r.hasNext()) {
      if (r.peek() != JsonToken.STRING) {
        throw new MalformedLineException("member " + name + " must be an array of strings");
      }
      values.add(requireText(r.nextString(), null, name));
    }
    r.endArray();
    return values;
  }

  /**
   * Returns {@code s} if it is text an export can hold. A JSON escape of half a surrogate
   * pair without the other half decodes to an unpaired surrogate, which has no UTF-8 form and
   * so no hash; U+0000 cannot be in a log (the server refuses it, PostgreSQL cannot store it)
   * and the hash format says no string holds it.
   *
   * @param parent the member whose object holds {@code s}, null at the top
   * @param name the member whose value {@code s} is, null if {@code s} is a name
   */
  private static String requireText(String s, String parent, String name)
      throws MalformedLineException {
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (c == 0) {
        throw new MalformedLineException(what(parent, name) + " holds U+0000, which no log holds");
      }
      if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
        throw new MalformedLineException(String.format(
            "%s holds an unpaired surrogate U+%04X: not valid Unicode text", what(parent, name),
            c));
      }
      i += Character.charCount(c);
    }
    return s;
  }

  private static String what(String parent, String name) {
    return parent == null
        ? (name == null ? "a member name" : "member " + name)
        : "member " + parent + (name == null ? ": a key" : ": the value of a key");
  }
}
