package dev.auditlog.client.bench;

import java.util.Map;

/** A JSON object of strings, as a direct writer would send it to a {@code jsonb} column. */
final class JsonText {
  private JsonText() {}

  static String object(Map<String, String> members) {
    StringBuilder out = new StringBuilder(32 * (members.size() + 1)).append('{');
    for (Map.Entry<String, String> m : members.entrySet()) {
      if (out.length() > 1) {
        out.append(',');
      }
      string(out, m.getKey());
      out.append(':');
      string(out, m.getValue());
    }
    return out.append('}').toString();
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
