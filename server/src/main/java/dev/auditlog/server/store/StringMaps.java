package dev.auditlog.server.store;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Reads the text PostgreSQL writes for a jsonb object of strings (the risk_signals and
 * attributes columns, whose CHECKs hold only strings) into a map. Every List, Export and
 * forwarded page reads two per entry: a reflective JSON library was a fifth of the server's
 * CPU for a 1000-entry page, so the shape jsonb writes ({@code {"k": "v", "k2": "v2"}}) is
 * read by hand, and anything else is left to Gson. Stateless and thread-safe.
 */
final class StringMaps {
  private static final Gson GSON = new Gson();
  private static final Type STRING_MAP = new TypeToken<Map<String, String>>() {}.getType();

  private StringMaps() {}

  static Map<String, String> parse(String json) {
    Map<String, String> map = new LinkedHashMap<>();
    parse(json, map::put);
    return map;
  }

  /**
   * Gives each key and value of the object to {@code into}, as a builder's {@code put}, with
   * no map in between. Text of another shape is read by Gson after the keys read before it
   * was seen: those come again, with the same values.
   */
  static void parse(String json, BiConsumer<String, String> into) {
    if (!new Cursor(json).object(into)) {
      Map<String, String> map = GSON.fromJson(json, STRING_MAP);
      map.forEach(into);
    }
  }

  /** A position in the text; each step returns false where the text is not of the shape. */
  private static final class Cursor {
    private final String s;
    private final StringBuilder text = new StringBuilder();
    private int i;
    /** Where the next backslash at or after {@code i} is, -1 for none; below i: not known. */
    private int nextEscape = -2;

    Cursor(String s) {
      this.s = s;
    }

    boolean object(BiConsumer<String, String> into) {
      if (!skip('{')) {
        return false;
      }
      if (skip('}')) {
        return end();
      }
      do {
        String key = string();
        if (key == null || !skip(':')) {
          return false;
        }
        String value = string();
        if (value == null) {
          return false;
        }
        into.accept(key, value);
      } while (skip(','));
      return skip('}') && end();
    }

    private String string() {
      if (!skip('"')) {
        return null;
      }
      int end = s.indexOf('"', i);
      if (nextEscape != -1 && nextEscape < i) {
        nextEscape = s.indexOf('\\', i);
      }
      if (end >= 0 && (nextEscape == -1 || nextEscape > end)) {
        String plain = s.substring(i, end); // no escape before the closing quote
        i = end + 1;
        return plain;
      }
      text.setLength(0);
      while (i < s.length()) {
        char ch = s.charAt(i++);
        if (ch == '"') {
          return text.toString();
        }
        if (ch != '\\') {
          text.append(ch);
        } else if (!escape()) {
          return null;
        }
      }
      return null;
    }

    private boolean escape() {
      if (i >= s.length()) {
        return false;
      }
      char ch = s.charAt(i++);
      switch (ch) {
        case '"', '\\', '/' -> text.append(ch);
        case 'b' -> text.append('\b');
        case 'f' -> text.append('\f');
        case 'n' -> text.append('\n');
        case 'r' -> text.append('\r');
        case 't' -> text.append('\t');
        case 'u' -> {
          if (i + 4 > s.length()) {
            return false;
          }
          try {
            text.append((char) Integer.parseInt(s, i, i + 4, 16));
          } catch (NumberFormatException e) {
            return false;
          }
          i += 4;
        }
        default -> {
          return false;
        }
      }
      return true;
    }

    /** Skips blanks, then {@code ch} if it is next. */
    private boolean skip(char ch) {
      while (i < s.length() && s.charAt(i) == ' ') {
        i++;
      }
      if (i < s.length() && s.charAt(i) == ch) {
        i++;
        return true;
      }
      return false;
    }

    private boolean end() {
      return i == s.length();
    }
  }
}
