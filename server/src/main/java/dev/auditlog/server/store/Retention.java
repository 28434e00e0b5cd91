package dev.auditlog.server.store;

import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A log's minimum retention: how many whole days, at least, an entry stays in the store before
 * the owner may archive it. The database keeps each log's history of them (table {@code
 * retention}) and refuses a shorter one than it holds.
 *
 * <p>Written as days ({@code 400d}), years ({@code 2y}) or an ISO-8601 period ({@code P2Y},
 * {@code P1Y6M}, {@code P400D}); a year counts as 366 days, a month as 31 and a week as 7, so
 * that a retention is never shorter than the calendar span it was given as.
 *
 * @param days whole days, 0 or more
 */
public record Retention(int days) implements Comparable<Retention> {
  /** One year, the retention of a log for which nothing longer was asked. */
  public static final Retention DEFAULT = new Retention(366);

  private static final Pattern SHORT = Pattern.compile("(\\d{1,7})([dy])");
  private static final int MAX_DAYS = 366 * 1000;

  public Retention {
    if (days < 0 || days > MAX_DAYS) {
      throw new IllegalArgumentException(
          "retention must be 0 to " + MAX_DAYS + " days (1000 years), got " + days);
    }
  }

  /**
   * Parses {@code text} as {@code 400d}, {@code 2y} or an ISO-8601 period.
   *
   * @throws IllegalArgumentException naming the text, if it is none of these or negative
   */
  public static Retention parse(String text) {
    String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    Matcher m = SHORT.matcher(t);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return of(m.group(2).equals("y") ? n * 366 : n, text);
      }
      Period p = Period.parse(t.toUpperCase(Locale.ROOT));
      if (p.isNegative()) {
        throw new IllegalArgumentException("--retention must not be negative, got '" + text
            + "'");
      }
      return of(p.getYears() * 366L + p.getMonths() * 31L + p.getDays(), text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--retention must be days (400d), years (2y) or an"
          + " ISO-8601 period (P2Y, P400D), got '" + text + "'", e);
    }
  }

  private static Retention of(long days, String text) {
    if (days > MAX_DAYS) {
      throw new IllegalArgumentException(
          "--retention must be at most 1000 years, got '" + text + "'");
    }
    return new Retention((int) days);
  }

  /** Whether this retention keeps entries longer than {@code other}. */
  public boolean longerThan(Retention other) {
    return compareTo(other) > 0;
  }

  @Override
  public int compareTo(Retention other) {
    return Integer.compare(days, other.days);
  }

  /** {@code 366 days}. */
  @Override
  public String toString() {
    return days + (days == 1 ? " day" : " days");
  }
}
