package dev.auditlog.integrity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the RFC 8785 (JSON Canonicalization Scheme) form of the small set of JSON values
 * the hash format uses: strings, integers and objects.
 *
 * <p>Object members are sorted by their keys as UTF-16 code units (which is how {@link
 * String#compareTo} orders), strings are escaped as ECMAScript's {@code JSON.stringify}
 * does, and nothing else is escaped. Strings with an unpaired surrogate are refused: UTF-8
 * cannot encode one ({@code getBytes(UTF_8)} would silently write {@code ?} instead), and
 * RFC 8785 requires valid Unicode text. Not thread-safe; use one instance per serialization.
 */
final class CanonicalJson {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out = new StringBuilder(512);

  /**
   * Appends an object whose members are written in canonical key order.
   *
   * @throws IllegalArgumentException if a key or string value holds an unpaired surrogate,
   *     or a value is not a string, integer or such an object
   */
  CanonicalJson object(Map<String, ?> members) {
    List<String> keys = new ArrayList<>(members.keySet());
    keys.sort(null);
    out.append('{');
    for (int i = 0; i < keys.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      string(keys.get(i));
      out.append(':');
      value(members.get(keys.get(i)));
    }
    out.append('}');
    return this;
  }

  private void value(Object value) {
    if (value instanceof String s) {
      string(s);
    } else if (value instanceof Long || value instanceof Integer) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, ?> members = (Map<String, ?>) map;
      object(members);
    } else {
      throw new IllegalArgumentException("not a canonical JSON value: " + value);
    }
  }

  /**
   * Appends a JSON string literal with the escapes RFC 8785 prescribes. Surrogate pairs are
   * written as they are.
   *
   * @throws IllegalArgumentException if {@code s} holds an unpaired surrogate
   */
  CanonicalJson string(String s) {
    out.append('"');
    if (!needsCharByChar(s)) { // the common case, copied whole
      out.append(s).append('"');
      return this;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else {
            if (Character.isSurrogate(c)) {
              requirePaired(s, i);
            }
            out.append(c);
          }
        }
      }
    }
    out.append('"');
    return this;
  }

  /**
   * Checks that the surrogate at {@code i} is half of a pair: a high one followed by a low
   * one, or a low one preceded by a high one.
   *
   * @throws IllegalArgumentException if it is not
   */
  private static void requirePaired(String s, int i) {
    char c = s.charAt(i);
    boolean paired = Character.isHighSurrogate(c)
        ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    if (!paired) {
      throw new IllegalArgumentException(String.format(
          "string holds an unpaired surrogate U+%04X at index %d: not valid Unicode text",
          (int) c, i));
    }
  }

  /** True if {@code s} holds a quote, a backslash, a control character or a surrogate. */
  private static boolean needsCharByChar(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
