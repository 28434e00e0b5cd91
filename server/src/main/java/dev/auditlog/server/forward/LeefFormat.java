package dev.auditlog.server.forward;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * LEEF 2.0, IBM QRadar's event format, in the MSG of a syslog message: the header {@code
 * LEEF:2.0|Vendor|Product|Version|EventID|x09|} (the delimiter given explicitly, a tab) and
 * then tab-separated {@code key=value} attributes.
 *
 * <p>Attributes: QRadar's predefined {@code cat} (the record type, {@code entry} or {@code
 * checkpoint}: always tells them apart), {@code devTime} with {@code devTimeFormat} (the
 * record's {@code recorded_at} to the millisecond), {@code sev} ({@link
 * SyslogFormat#level}), {@code usrName} and {@code src} (when not empty); then every member
 * of the record under its own name, exactly ({@code type} is {@code cat}). The EventID is
 * the entry's action ({@code audit.entry} if empty) or {@code audit.checkpoint}.
 *
 * <p>Escaping: LEEF has no escape for its delimiter, so values write a backslash as {@code
 * \\}, a tab as {@code \t}, a line feed as {@code \n} and a carriage return as {@code \r};
 * header fields also escape {@code |} as {@code \|}. Nothing else is changed, so reversing
 * these four (five) escapes gives the exact value. Immutable.
 */
final class LeefFormat implements SyslogFormat {
  static final String DEV_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSX";
  private static final DateTimeFormatter DEV_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final String header;

  /**
   * @param vendor the header's vendor field, as configured
   * @param product the header's product field
   * @param version the header's product version field
   */
  LeefFormat(String vendor, String product, String version) {
    this.header = "LEEF:2.0|" + header(vendor) + "|" + header(product) + "|" + header(version)
        + "|";
  }

  @Override
  public String structuredData(ForwardRecord record) {
    return "-";
  }

  @Override
  public String msg(ForwardRecord record) {
    Map<String, Object> m = record.members();
    StringBuilder out = new StringBuilder(1024).append(header)
        .append(header(SyslogFormat.eventId(record))).append("|x09|");
    out.append("cat=").append(value(SyslogFormat.text(m.get("type"))));
    Long millis = SyslogFormat.epochMillis(m.get("recorded_at"));
    if (millis != null) {
      attribute(out, "devTime", DEV_TIME.format(Instant.ofEpochMilli(millis)));
      attribute(out, "devTimeFormat", DEV_TIME_FORMAT);
    }
    attribute(out, "sev", String.valueOf(SyslogFormat.level(record)));
    optional(out, "usrName", m.get("user_id"));
    optional(out, "src", m.get("source_ip"));
    m.forEach((key, member) -> {
      if (!key.equals("type")) {
        attribute(out, key, SyslogFormat.text(member));
      }
    });
    return out.toString();
  }

  private static void optional(StringBuilder out, String key, Object member) {
    if (member != null && !member.toString().isEmpty()) {
      attribute(out, key, member.toString());
    }
  }

  private static void attribute(StringBuilder out, String key, String value) {
    out.append('\t').append(key).append('=').append(value(value));
  }

  /** An attribute value: the delimiter and line breaks escaped, and the escape itself. */
  static String value(String s) {
    return escape(s, false);
  }

  /** A header field: as a value, and {@code |} too. */
  static String header(String s) {
    return escape(s, true);
  }

  private static String escape(String s, boolean pipe) {
    return SyslogFormat.escape(s, c -> switch (c) {
      case '\\' -> "\\\\";
      case '\t' -> "\\t";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '|' -> pipe ? "\\|" : null;
      default -> null;
    });
  }
}
