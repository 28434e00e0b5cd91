package dev.auditlog.integrity;

import dev.auditlog.api.v1.Entry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The twelve hashed fields of an entry in the text form the hash format prescribes:
 * timestamps as {@code YYYY-MM-DDTHH:MM:SS.ffffffZ} or {@code ""}, the outcome as its enum
 * name, absent strings as {@code ""}, absent maps empty.
 *
 * <p>A verifier that reads an export builds this from the exported text directly, so it
 * hashes exactly the values it was given. Immutable; no member is null.
 */
public record EntryFields(
    long seq,
    String recordedAt,
    String eventId,
    String userId,
    String action,
    String target,
    String sourceIp,
    String outcome,
    String occurredAt,
    Map<String, String> riskSignals,
    Map<String, String> attributes,
    String producer) {

  /** @throws NullPointerException if a member is null */
  public EntryFields {
    Objects.requireNonNull(recordedAt, "recorded_at");
    Objects.requireNonNull(eventId, "event_id");
    Objects.requireNonNull(userId, "user_id");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(sourceIp, "source_ip");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(occurredAt, "occurred_at");
    riskSignals = Map.copyOf(riskSignals);
    attributes = Map.copyOf(attributes);
    Objects.requireNonNull(producer, "producer");
  }

  /**
   * The hashed fields of a stored entry.
   *
   * @throws IllegalArgumentException if a timestamp has sub-microsecond digits or lies
   *     outside years 0001..9999
   */
  public static EntryFields of(Entry e) {
    return new EntryFields(
        e.getSeq(),
        e.hasRecordedAt() ? EntryHasher.timestamp(e.getRecordedAt()) : "",
        e.getEventId(),
        e.getUserId(),
        e.getAction(),
        e.getTarget(),
        e.getSourceIp(),
        e.getOutcome().name(),
        e.hasOccurredAt() ? EntryHasher.timestamp(e.getOccurredAt()) : "",
        e.getRiskSignalsMap(),
        e.getAttributesMap(),
        e.getProducer());
  }

  /** The same fields at another position; verifiers use it to recognize renumbering. */
  public EntryFields withSeq(long otherSeq) {
    return new EntryFields(otherSeq, recordedAt, eventId, userId, action, target, sourceIp,
        outcome, occurredAt, riskSignals, attributes, producer);
  }

  /** The members keyed by their proto field names, without {@code v}. */
  Map<String, Object> members() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", seq);
    m.put("recorded_at", recordedAt);
    m.put("event_id", eventId);
    m.put("user_id", userId);
    m.put("action", action);
    m.put("target", target);
    m.put("source_ip", sourceIp);
    m.put("outcome", outcome);
    m.put("occurred_at", occurredAt);
    m.put("risk_signals", riskSignals);
    m.put("attributes", attributes);
    m.put("producer", producer);
    return m;
  }
}
