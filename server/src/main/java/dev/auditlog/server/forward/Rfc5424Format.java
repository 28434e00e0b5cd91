package dev.auditlog.server.forward;

import java.util.Map;

/**
 * Plain RFC 5424 for any syslog SIEM: one SD-ELEMENT {@code [audit@32473 type="entry"
 * log_id="..." seq="..." ...]} (its SD-ID configurable) with every member of the record as
 * an SD-PARAM under its own name, exactly, and a short summary as the MSG ({@code audit entry
 * seq=42 action=user.login outcome=OUTCOME_SUCCESS}, {@code audit checkpoint seq=42}).
 *
 * <p>PARAM-VALUEs escape {@code "}, {@code \} and {@code ]} with a backslash, as RFC 5424
 * section 6.3.3 requires; nothing else is changed. Immutable.
 */
final class Rfc5424Format implements SyslogFormat {
  private final String sdId;

  /** @param sdId the SD-ID, already checked to be an SD-NAME with {@code @} and a PEN */
  Rfc5424Format(String sdId) {
    this.sdId = sdId;
  }

  @Override
  public String structuredData(ForwardRecord record) {
    StringBuilder out = new StringBuilder(1024).append('[').append(sdId);
    record.members().forEach((name, member) -> out.append(' ').append(name).append("=\"")
        .append(paramValue(SyslogFormat.text(member))).append('"'));
    return out.append(']').toString();
  }

  @Override
  public String msg(ForwardRecord record) {
    Map<String, Object> m = record.members();
    if (record instanceof ForwardRecord.CheckpointRecord) {
      return "audit checkpoint seq=" + m.get("seq");
    }
    return "audit entry seq=" + m.get("seq") + " action=" + m.get("action") + " outcome="
        + m.get("outcome");
  }

  /** A PARAM-VALUE: {@code "}, {@code \} and {@code ]} escaped. */
  static String paramValue(String s) {
    return SyslogFormat.escape(s, c -> switch (c) {
      case '"' -> "\\\"";
      case '\\' -> "\\\\";
      case ']' -> "\\]";
      default -> null;
    });
  }
}
