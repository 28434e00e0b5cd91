package dev.auditlog.server.http;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paths of c2sp.org/tlog-tiles below a log's prefix: {@code checkpoint}, {@code
 * tile/<L>/<N>[.p/<W>]} and {@code tile/entries/<N>[.p/<W>]}, where N is written in
 * three-digit groups, all but the last prefixed with {@code x} ({@code x001/x234/067}).
 * Only canonical paths parse, so that one resource has one path. Stateless.
 */
final class TilePaths {
  private static final Pattern TILE = Pattern.compile(
      "tile/(entries|[0-7])/((?:x[0-9]{3}/)*[0-9]{3})(?:\\.p/([1-9][0-9]{0,2}))?");

  private TilePaths() {}

  /**
   * A tile or entry bundle: {@code level} -1 for entries, {@code width} 256 for a full one.
   */
  record Tile(int level, long index, int width) {}

  /** The tile a path names, if it is a canonical tile path with a width of 1 to 255 or none. */
  static Optional<Tile> parse(String path) {
    Matcher m = TILE.matcher(path);
    if (!m.matches()) {
      return Optional.empty();
    }
    long index = 0;
    for (String group : m.group(2).split("/")) {
      String digits = group.startsWith("x") ? group.substring(1) : group;
      if (index > (Long.MAX_VALUE - 999) / 1000) {
        return Optional.empty();
      }
      index = index * 1000 + Integer.parseInt(digits);
    }
    int width = m.group(3) == null ? 256 : Integer.parseInt(m.group(3));
    if (m.group(3) != null && width > 255 || !m.group(2).equals(index(index))) {
      return Optional.empty();
    }
    int level = m.group(1).equals("entries") ? -1 : Integer.parseInt(m.group(1));
    return Optional.of(new Tile(level, index, width));
  }

  /** The N part of a tile path. */
  static String index(long n) {
    String last = String.format("%03d", n % 1000);
    return n < 1000 ? last : index(n / 1000).replaceAll("(^|/)([0-9])", "$1x$2") + "/" + last;
  }
}
