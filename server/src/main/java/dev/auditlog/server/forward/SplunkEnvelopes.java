package dev.auditlog.server.forward;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.protobuf.Timestamp;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Splunk HTTP Event Collector's JSON event envelopes of records: one object per record,
 * batched by concatenation ({@code {...}{...}}), as the HEC documentation's batch example
 * shows for {@code /services/collector/event}.
 *
 * <p>An envelope carries {@code time} (the record's {@code recorded_at} as epoch seconds with
 * six fraction digits, microseconds), the configured {@code host}, {@code source} and {@code
 * index} when given (else the token's defaults apply), a {@code sourcetype} by the record's
 * type, the record's members as {@code event} (see {@link ForwardRecord#members()}), and
 * index-time {@code fields}: {@code audit_log_id}, {@code audit_seq} and {@code audit_type},
 * all strings (HEC's documented form for indexed field values). The indexed names carry an
 * {@code audit_} prefix so that they do not collide with the event's own JSON keys, which
 * Splunk extracts at search time. Immutable.
 *
 * @param host the {@code host} of every event, or null for the token's default
 * @param source the {@code source}, or null for the token's default
 * @param index the {@code index}, or null for the token's default
 * @param entrySourcetype the {@code sourcetype} of entries
 * @param checkpointSourcetype the {@code sourcetype} of checkpoints
 */
record SplunkEnvelopes(String host, String source, String index, String entrySourcetype,
    String checkpointSourcetype) {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls()
      .create();

  /** The request body for {@code records}: their envelopes, concatenated. */
  String body(List<ForwardRecord> records) {
    StringBuilder body = new StringBuilder(records.size() * 800);
    for (ForwardRecord r : records) {
      body.append(GSON.toJson(envelope(r)));
    }
    return body.toString();
  }

  /** The envelope of one record, its members in the order HEC's examples use. */
  Map<String, Object> envelope(ForwardRecord r) {
    Map<String, Object> e = new LinkedHashMap<>();
    Timestamp recordedAt = recordedAt(r);
    if (recordedAt != null) {
      e.put("time", time(recordedAt));
    }
    putIfSet(e, "host", host);
    putIfSet(e, "source", source);
    e.put("sourcetype", r instanceof ForwardRecord.CheckpointRecord
        ? checkpointSourcetype : entrySourcetype);
    putIfSet(e, "index", index);
    e.put("event", r.members());
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("audit_log_id", r.logId());
    fields.put("audit_seq", Long.toString(r.seq()));
    fields.put("audit_type", r instanceof ForwardRecord.CheckpointRecord ? "checkpoint" : "entry");
    e.put("fields", fields);
    return e;
  }

  /**
   * Epoch seconds with exactly six fraction digits: HEC's {@code time} is "epoch seconds,
   * optionally with a fraction". How many of the digits Splunk keeps in {@code _time} is
   * Splunk's matter; the exact value is always in {@code event.recorded_at}.
   */
  static BigDecimal time(Timestamp t) {
    return BigDecimal.valueOf(t.getSeconds()).add(BigDecimal.valueOf(t.getNanos() / 1000, 6));
  }

  private static Timestamp recordedAt(ForwardRecord r) {
    if (r instanceof ForwardRecord.EntryRecord e) {
      return e.entry().hasRecordedAt() ? e.entry().getRecordedAt() : null;
    }
    ForwardRecord.CheckpointRecord c = (ForwardRecord.CheckpointRecord) r;
    return c.checkpoint().hasRecordedAt() ? c.checkpoint().getRecordedAt() : null;
  }

  private static void putIfSet(Map<String, Object> e, String key, String value) {
    if (value != null) {
      e.put(key, value);
    }
  }
}
