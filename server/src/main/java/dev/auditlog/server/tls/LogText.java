package dev.auditlog.server.tls;

/**
 * Text from a certificate or a peer (subject and issuer names, subject alternative names,
 * identities, TLS error texts), made safe to put in one log line: characters that end or
 * reorder a line or a terminal's output are written as a backslash, {@code u} and four hex
 * digits (a line feed as {@code \}{@code u000a}), and the text
 * is cut to {@value #MAX_CHARS} characters with a note of how many more there were.
 *
 * <p>Escaped: C0 controls (U+0000..U+001F, so also CR, LF and TAB), DEL (U+007F), C1
 * controls (U+0080..U+009F), the line and paragraph separators U+2028 and U+2029, the bidi
 * controls U+061C, U+200E, U+200F, U+202A..U+202E and U+2066..U+2069, and unpaired
 * surrogates. A backslash stays as it is (X.500 names use it for their own escapes), so the
 * six characters of an escape written into a certificate read the same as an escaped
 * character; they never start a new line.
 */
final class LogText {
  static final int MAX_CHARS = 256;

  private LogText() {}

  /** {@code text} made safe for a log line; {@code "null"} for null. */
  static String of(Object text) {
    String s = String.valueOf(text);
    int end = Math.min(s.length(), MAX_CHARS);
    if (end < s.length() && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    StringBuilder out = new StringBuilder(end + 16);
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < end
          && Character.isLowSurrogate(s.charAt(i + 1));
      if (pair) {
        out.append(c).append(s.charAt(++i));
      } else if (escaped(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (end < s.length()) {
      out.append("...(").append(s.length() - end).append(" more characters)");
    }
    return out.toString();
  }

  private static boolean escaped(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f)
        || c == 0x2028 || c == 0x2029
        || c == 0x061c || c == 0x200e || c == 0x200f
        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
        || Character.isSurrogate(c);
  }
}
