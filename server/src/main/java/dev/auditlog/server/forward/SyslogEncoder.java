package dev.auditlog.server.forward;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * Encodes a record as an RFC 5424 syslog message, and a message as an RFC 6587 octet-counted
 * frame ({@code MSG-LEN SP SYSLOG-MSG}, the framing RFC 5425 prescribes for TLS).
 *
 * <p>The header: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID}, where PRI is the
 * facility times 8 plus the severity (informational for a success, an unspecified outcome or
 * a checkpoint, notice for a failure or an error, warning for a denial), TIMESTAMP the
 * record's {@code recorded_at} to the millisecond (the form QRadar parses; the exact value is
 * in the record's fields), PROCID {@code -} and MSGID {@code entry} or {@code checkpoint}.
 * The STRUCTURED-DATA and MSG come from the {@link SyslogFormat}; the MSG is UTF-8 without a
 * byte order mark. Immutable and thread-safe.
 */
final class SyslogEncoder {
  /** The facility names, in the spelling rsyslog uses, with their RFC 5424 codes. */
  static final Map<String, Integer> FACILITIES = Map.ofEntries(Map.entry("kern", 0),
      Map.entry("user", 1), Map.entry("mail", 2), Map.entry("daemon", 3), Map.entry("auth", 4),
      Map.entry("syslog", 5), Map.entry("lpr", 6), Map.entry("news", 7), Map.entry("uucp", 8),
      Map.entry("cron", 9), Map.entry("authpriv", 10), Map.entry("ftp", 11),
      Map.entry("ntp", 12), Map.entry("audit", 13), Map.entry("alert", 14),
      Map.entry("clock", 15), Map.entry("local0", 16), Map.entry("local1", 17),
      Map.entry("local2", 18), Map.entry("local3", 19), Map.entry("local4", 20),
      Map.entry("local5", 21), Map.entry("local6", 22), Map.entry("local7", 23));

  private final int facility;
  private final String hostname;
  private final String appName;
  private final SyslogFormat format;

  /**
   * @param facility an RFC 5424 facility code, 0 to 23
   * @param hostname the HOSTNAME, 1 to 255 printable US-ASCII characters (or {@code -})
   * @param appName the APP-NAME, 1 to 48 printable US-ASCII characters
   */
  SyslogEncoder(int facility, String hostname, String appName, SyslogFormat format) {
    if (facility < 0 || facility > 23) {
      throw new IllegalArgumentException("facility must be 0 to 23, got " + facility);
    }
    this.facility = facility;
    this.hostname = requirePrintable(hostname, 255, "hostname");
    this.appName = requirePrintable(appName, 48, "app_name");
    this.format = Objects.requireNonNull(format, "format");
  }

  /** Whether {@code s} is 1 to {@code max} printable US-ASCII characters (no space). */
  static boolean printable(String s, int max) {
    return !s.isEmpty() && s.length() <= max && s.chars().allMatch(c -> c >= 33 && c <= 126);
  }

  /** The syslog message of {@code record}, as text. */
  String message(ForwardRecord record) {
    boolean checkpoint = record instanceof ForwardRecord.CheckpointRecord;
    String msg = format.msg(record);
    return "<" + (facility * 8 + severity(record)) + ">1 " + timestamp(record) + " " + hostname
        + " " + appName + " - " + (checkpoint ? "checkpoint" : "entry") + " "
        + format.structuredData(record) + (msg.isEmpty() ? "" : " " + msg);
  }

  /** The syslog message of {@code record} as UTF-8, unframed. */
  byte[] bytes(ForwardRecord record) {
    return message(record).getBytes(StandardCharsets.UTF_8);
  }

  /** {@code message} framed by octet counting: its length in bytes, a space, the bytes. */
  static byte[] frame(byte[] message) {
    byte[] prefix = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
    byte[] frame = new byte[prefix.length + message.length];
    System.arraycopy(prefix, 0, frame, 0, prefix.length);
    System.arraycopy(message, 0, frame, prefix.length, message.length);
    return frame;
  }

  /** RFC 5424 severity: 6 informational, 5 notice, 4 warning. */
  static int severity(ForwardRecord record) {
    return switch (SyslogFormat.level(record)) {
      case 3 -> 5;
      case 5 -> 4;
      default -> 6;
    };
  }

  /** {@code recorded_at} cut to milliseconds ({@code 2026-11-23T09:15:00.123Z}), or "-". */
  private static String timestamp(ForwardRecord record) {
    String at = String.valueOf(record.members().get("recorded_at"));
    return at.length() < 23 ? "-" : at.substring(0, 23) + "Z";
  }

  private static String requirePrintable(String s, int max, String what) {
    if (!printable(s, max)) {
      throw new IllegalArgumentException(what + " must be 1 to " + max
          + " printable US-ASCII characters without spaces, got '" + s + "'");
    }
    return s;
  }
}
