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
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses export lines strictly: one JSON object per line, each member once, exactly the
 * members its {@code type} has, numbers only where integers belong, every string (map keys
 * and values included) valid Unicode text without U+0000. Values are taken as written, never
 * normalized, so that what is hashed is what the file says.
 */
final class ExportLineParser {
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
  private static final Set<String> HEADER = Set.of("type", "format", "version", "log_id",
      "from_seq", "to_seq", "prev_chain_hash");
  private static final Set<String> ENTRY = Set.of("type", "seq", "recorded_at", "event_id",
      "user_id", "action", "target", "source_ip", "outcome", "occurred_at", "risk_signals",
      "attributes", "producer", "entry_hash", "chain_hash");
  private static final Set<String> CHECKPOINT = Set.of("type", "log_id", "seq", "chain_hash",
      "recorded_at", "key_id", "signature");

  private ExportLineParser() {}

  /** @throws MalformedLineException naming what is wrong */
  static ExportLine parse(String line) throws MalformedLineException {
    Map<String, Object> m = object(line);
    Object type = m.get("type");
    if ("entry".equals(type)) {
      return entry(m);
    } else if ("header".equals(type)) {
      return header(m);
    } else if ("checkpoint".equals(type)) {
      return checkpoint(m);
    }
    throw new MalformedLineException("unknown line type " + type);
  }

  private static Header header(Map<String, Object> m) throws MalformedLineException {
    members(m, HEADER, "header");
    if (!ExportFormat.FORMAT.equals(m.get("format")) || !Long.valueOf(ExportFormat.VERSION)
        .equals(m.get("version"))) {
      throw new MalformedLineException("not an " + ExportFormat.FORMAT + " version "
          + ExportFormat.VERSION + " file: format " + m.get("format")
          + " version " + m.get("version"));
    }
    long from = number(m, "from_seq");
    if (from < 1) {
      throw new MalformedLineException("header from_seq must be >= 1, got " + from);
    }
    return new Header(string(m, "log_id"), from, number(m, "to_seq"), hash(m, "prev_chain_hash"));
  }

  private static EntryLine entry(Map<String, Object> m) throws MalformedLineException {
    members(m, ENTRY, "entry");
    EntryFields fields = new EntryFields(number(m, "seq"), string(m, "recorded_at"),
        string(m, "event_id"), string(m, "user_id"), string(m, "action"), string(m, "target"),
        string(m, "source_ip"), string(m, "outcome"), string(m, "occurred_at"),
        map(m, "risk_signals"), map(m, "attributes"), string(m, "producer"));
    return new EntryLine(fields, hash(m, "entry_hash"), hash(m, "chain_hash"));
  }

  private static CheckpointLine checkpoint(Map<String, Object> m) throws MalformedLineException {
    members(m, CHECKPOINT, "checkpoint");
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
    return new CheckpointLine(new CheckpointPayload(string(m, "log_id"), seq,
        hash(m, "chain_hash"), string(m, "recorded_at")), string(m, "key_id"), signature);
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
        case NUMBER -> parent == null ? r.nextLong() : null;
        case BEGIN_OBJECT -> parent == null ? members(r, name) : null;
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
