package dev.auditlog.server.forward;

import dev.auditlog.integrity.JsonText;
import java.time.Instant;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What a record becomes after the RFC 5424 header of a syslog message: its STRUCTURED-DATA
 * and its MSG (LEEF 2.0, CEF or a summary). Every format carries every member of {@link
 * ForwardRecord#members()}, each exactly, so that a SIEM can recompute the hashes; a map
 * ({@code risk_signals}, {@code attributes}) travels as its canonical JSON text, the form the
 * hash format writes it in. Implementations are immutable and thread-safe.
 */
interface SyslogFormat {

  /** The STRUCTURED-DATA of the message, {@code -} for none. */
  String structuredData(ForwardRecord record);

  /** The MSG of the message, UTF-8 without a byte order mark; empty for none. */
  String msg(ForwardRecord record);

  /** A member's text: a map as its canonical JSON object, anything else as it prints. */
  static String text(Object member) {
    if (member instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, String> strings = (Map<String, String>) map;
      return JsonText.object(strings);
    }
    return String.valueOf(member);
  }

  /**
   * How much a record matters to a SIEM, on LEEF's and CEF's scale of 0 to 10: 1 for a
   * success, an unspecified outcome or a checkpoint, 3 for a failure or an error, 5 for a
   * denial.
   */
  static int level(ForwardRecord record) {
    return switch (String.valueOf(record.members().get("outcome"))) {
      case "OUTCOME_FAILURE", "OUTCOME_ERROR" -> 3;
      case "OUTCOME_DENIED" -> 5;
      default -> 1;
    };
  }

  /** The record's name for a SIEM's event id: its action, or one for the record type. */
  static String eventId(ForwardRecord record) {
    if (record instanceof ForwardRecord.CheckpointRecord) {
      return "audit.checkpoint";
    }
    String action = String.valueOf(record.members().get("action"));
    return action.isEmpty() ? "audit.entry" : action;
  }

  /**
   * {@code s} with each character for which {@code replacement} gives a string replaced by
   * it (null: kept); {@code s} itself when nothing is replaced.
   */
  static String escape(String s, IntFunction<String> replacement) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      String r = replacement.apply(s.charAt(i));
      if (r != null && out == null) {
        out = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (out != null) {
        if (r != null) {
          out.append(r);
        } else {
          out.append(s.charAt(i));
        }
      }
    }
    return out == null ? s : out.toString();
  }

  /** Milliseconds since the epoch of a hash-format timestamp; null for {@code ""}. */
  static Long epochMillis(Object timestamp) {
    String s = String.valueOf(timestamp);
    return s.isEmpty() ? null : Instant.parse(s).toEpochMilli();
  }
}
