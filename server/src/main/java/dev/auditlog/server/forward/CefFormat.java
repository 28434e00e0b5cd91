package dev.auditlog.server.forward;

import java.util.Map;

/**
 * CEF (ArcSight's Common Event Format, which Microsoft Sentinel reads into {@code
 * CommonSecurityLog}) in the MSG of a syslog message: {@code
 * CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|} and then space-separated {@code
 * key=value} extensions.
 *
 * <p>Standard keys where one fits: {@code cat} (the record type, {@code entry} or {@code
 * checkpoint}: always tells them apart), {@code deviceExternalId} ({@code log_id}), {@code
 * rt} ({@code recorded_at}, epoch milliseconds), {@code start} ({@code occurred_at}), {@code
 * suser} ({@code user_id}), {@code act} ({@code action}), {@code outcome}, {@code src} (an
 * IPv4 {@code source_ip}) or {@code c6a2} (an IPv6 one); labelled custom strings {@code
 * cs1}..{@code cs6} for {@code seq}, {@code event_id}, {@code target}, {@code producer},
 * {@code entry_hash} and {@code chain_hash} (a checkpoint: {@code seq}, {@code key_id},
 * {@code signature}, {@code chain_hash}); and the full field names for what needs its exact
 * text: {@code recorded_at} and {@code occurred_at} (microseconds), {@code risk_signals} and
 * {@code attributes} (canonical JSON). A standard key whose value would be empty is left out
 * (absent means {@code ""}). SignatureID and Name are the action ({@code audit.entry} and
 * {@code audit entry} if empty) or {@code audit.checkpoint} and {@code audit checkpoint};
 * Severity is {@link SyslogFormat#level}.
 *
 * <p>Escaping as CEF prescribes: in extension values {@code \} becomes {@code \\}, {@code =}
 * {@code \=}, a line feed {@code \n} and a carriage return {@code \r}; in header fields
 * {@code \} and {@code |} are escaped, and line breaks as in values. Immutable.
 */
final class CefFormat implements SyslogFormat {
  private final String header;

  /**
   * @param vendor the header's vendor field, as configured
   * @param product the header's product field
   * @param version the header's product version field
   */
  CefFormat(String vendor, String product, String version) {
    this.header = "CEF:0|" + header(vendor) + "|" + header(product) + "|" + header(version)
        + "|";
  }

  @Override
  public String structuredData(ForwardRecord record) {
    return "-";
  }

  @Override
  public String msg(ForwardRecord record) {
    Map<String, Object> m = record.members();
    boolean checkpoint = record instanceof ForwardRecord.CheckpointRecord;
    String name = checkpoint ? "audit checkpoint"
        : m.get("action").toString().isEmpty() ? "audit entry" : m.get("action").toString();
    StringBuilder out = new StringBuilder(1024).append(header)
        .append(header(SyslogFormat.eventId(record))).append('|').append(header(name))
        .append('|').append(SyslogFormat.level(record)).append('|');
    out.append("cat=").append(value(m.get("type").toString()));
    extension(out, "deviceExternalId", m.get("log_id"));
    Long rt = SyslogFormat.epochMillis(m.get("recorded_at"));
    if (rt != null) {
      extension(out, "rt", rt);
    }
    if (checkpoint) {
      checkpoint(out, m);
    } else {
      entry(out, m);
    }
    return out.toString();
  }

  private static void entry(StringBuilder out, Map<String, Object> m) {
    Long start = SyslogFormat.epochMillis(m.get("occurred_at"));
    if (start != null) {
      extension(out, "start", start);
    }
    optional(out, "suser", m.get("user_id"));
    optional(out, "act", m.get("action"));
    extension(out, "outcome", m.get("outcome"));
    String ip = m.get("source_ip").toString();
    if (ip.contains(":")) {
      extension(out, "c6a2", ip);
      extension(out, "c6a2Label", "source_ip");
    } else {
      optional(out, "src", ip);
    }
    labelled(out, 1, "seq", m);
    labelled(out, 2, "event_id", m);
    labelled(out, 3, "target", m);
    labelled(out, 4, "producer", m);
    labelled(out, 5, "entry_hash", m);
    labelled(out, 6, "chain_hash", m);
    for (String exact : new String[] {"recorded_at", "occurred_at", "risk_signals",
        "attributes"}) {
      extension(out, exact, m.get(exact));
    }
  }

  private static void checkpoint(StringBuilder out, Map<String, Object> m) {
    labelled(out, 1, "seq", m);
    labelled(out, 2, "key_id", m);
    labelled(out, 3, "signature", m);
    labelled(out, 6, "chain_hash", m);
    extension(out, "recorded_at", m.get("recorded_at"));
  }

  /** {@code csN=value csNLabel=member}. */
  private static void labelled(StringBuilder out, int n, String member, Map<String, Object> m) {
    extension(out, "cs" + n, m.get(member));
    extension(out, "cs" + n + "Label", member);
  }

  private static void optional(StringBuilder out, String key, Object member) {
    if (!member.toString().isEmpty()) {
      extension(out, key, member);
    }
  }

  private static void extension(StringBuilder out, String key, Object member) {
    out.append(' ').append(key).append('=').append(value(SyslogFormat.text(member)));
  }

  /** An extension value with CEF's escapes. */
  static String value(String s) {
    return SyslogFormat.escape(s, c -> switch (c) {
      case '\\' -> "\\\\";
      case '=' -> "\\=";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      default -> null;
    });
  }

  /** A header field with CEF's escapes (and line breaks as in values). */
  static String header(String s) {
    return SyslogFormat.escape(s, c -> switch (c) {
      case '\\' -> "\\\\";
      case '|' -> "\\|";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      default -> null;
    });
  }
}
