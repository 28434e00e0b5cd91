package dev.auditlog.server.grpc;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Outcome;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks an incoming {@link AuditEvent} and turns it into the draft of an entry: the event's
 * fields in their stored form (lowercase event id, canonical IP text, microsecond
 * timestamps) and the producer. Every refusal is INVALID_ARGUMENT with a message that
 * names the field (with the given prefix, e.g. {@code event.} or {@code events[3].}) and
 * says what was expected. Stateless and thread-safe.
 */
final class EventValidator {
  static final Pattern ACTION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]*");
  private static final long MIN_SECONDS = -62135596800L; // 0001-01-01T00:00:00Z
  private static final long MAX_SECONDS = 253402300799L; // 9999-12-31T23:59:59Z

  private EventValidator() {}

  /** Validates {@code event} and returns its draft entry, produced by {@code producer}. */
  static Entry draft(AuditEvent event, String producer, String prefix) throws StatusException {
    Entry.Builder b = Entry.newBuilder().setProducer(producer);
    b.setEventId(eventId(event.getEventId(), prefix + "event_id"));
    b.setUserId(text(event.getUserId(), prefix + "user_id", Limits.MAX_USER_ID));
    b.setAction(action(event.getAction(), prefix + "action"));
    b.setTarget(text(event.getTarget(), prefix + "target", Limits.MAX_TARGET));
    b.setSourceIp(sourceIp(event.getSourceIp(), prefix + "source_ip"));
    b.setOutcome(outcome(event.getOutcome(), prefix + "outcome"));
    if (event.hasOccurredAt()) {
      b.setOccurredAt(micros(event.getOccurredAt(), prefix + "occurred_at"));
    }
    b.putAllRiskSignals(map(event.getRiskSignalsMap(), prefix + "risk_signals"));
    b.putAllAttributes(map(event.getAttributesMap(), prefix + "attributes"));
    return b.build();
  }

  static String eventId(String id, String field) throws StatusException {
    if (id.isEmpty()) {
      throw invalid(field, "required, a UUID such as 123e4567-e89b-12d3-a456-426614174000");
    }
    if (!isUuid(id)) {
      throw invalid(field, "must be a UUID in 8-4-4-4-12 hex form, got '" + clip(id) + "'");
    }
    return id.toLowerCase(Locale.ROOT);
  }

  /** True for 8-4-4-4-12 hex digits (either case); a hand check, it runs for every event. */
  private static boolean isUuid(String id) {
    if (id.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = id.charAt(i);
      boolean ok = (i == 8 || i == 13 || i == 18 || i == 23) ? c == '-'
          : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static String action(String action, String field) throws StatusException {
    if (action.isEmpty()) {
      throw invalid(field, "required, e.g. user.login");
    }
    text(action, field, Limits.MAX_ACTION);
    if (!ACTION.matcher(action).matches()) {
      throw invalid(field, "must be letters, digits and . _ : / -, starting with a letter or"
          + " digit, got '" + clip(action) + "'");
    }
    return action;
  }

  private static String sourceIp(String ip, String field) throws StatusException {
    if (ip.isEmpty()) {
      return ip;
    }
    text(ip, field, Limits.MAX_SOURCE_IP);
    if (ip.indexOf('%') >= 0 || !InetAddresses.isInetAddress(ip)) {
      throw invalid(field, "must be an IPv4 or IPv6 address, got '" + clip(ip) + "'");
    }
    return InetAddresses.toAddrString(InetAddresses.forString(ip));
  }

  private static Outcome outcome(Outcome outcome, String field) throws StatusException {
    if (outcome == Outcome.OUTCOME_UNSPECIFIED || outcome == Outcome.UNRECOGNIZED) {
      throw invalid(field, "required, one of OUTCOME_SUCCESS, OUTCOME_FAILURE, OUTCOME_DENIED,"
          + " OUTCOME_ERROR");
    }
    return outcome;
  }

  /** Checks a timestamp's range and drops sub-microsecond digits. */
  static Timestamp micros(Timestamp ts, String field) throws StatusException {
    if (ts.getSeconds() < MIN_SECONDS || ts.getSeconds() > MAX_SECONDS) {
      throw invalid(field, "must lie in years 0001 to 9999");
    }
    if (ts.getNanos() < 0 || ts.getNanos() > 999_999_999) {
      throw invalid(field, "nanos must be 0..999999999, got " + ts.getNanos());
    }
    return ts.toBuilder().setNanos(ts.getNanos() / 1000 * 1000).build();
  }

  private static Map<String, String> map(Map<String, String> map, String field)
      throws StatusException {
    if (map.size() > Limits.MAX_MAP_ENTRIES) {
      throw invalid(field, "at most " + Limits.MAX_MAP_ENTRIES + " entries, got " + map.size());
    }
    for (Map.Entry<String, String> e : map.entrySet()) {
      String key = e.getKey();
      if (key.isEmpty()) {
        throw invalid(field, "keys must not be empty");
      }
      // The field names are only built for a refusal: this loop runs for every member.
      String problem = textProblem(key, Limits.MAX_MAP_KEY);
      if (problem != null) {
        throw invalid(field + " key '" + clip(key) + "'", problem);
      }
      problem = textProblem(e.getValue(), Limits.MAX_MAP_VALUE);
      if (problem != null) {
        throw invalid(field + "['" + clip(key) + "']", problem);
      }
    }
    return map;
  }

  /** Checks length (in code points) and the absence of U+0000, which PostgreSQL cannot store. */
  static String text(String s, String field, int maxLength) throws StatusException {
    String problem = textProblem(s, maxLength);
    if (problem != null) {
      throw invalid(field, problem);
    }
    return s;
  }

  /** What is wrong with {@code s} as text of at most {@code maxLength}, or null. */
  private static String textProblem(String s, int maxLength) {
    if (s.length() > maxLength && s.codePointCount(0, s.length()) > maxLength) {
      return "at most " + maxLength + " characters, got " + s.codePointCount(0, s.length());
    }
    if (s.indexOf('\0') >= 0) {
      return "must not contain U+0000 (NUL)";
    }
    return null;
  }

  static StatusException invalid(String field, String expected) {
    return Status.INVALID_ARGUMENT.withDescription(field + ": " + expected).asException();
  }

  /** Quotes at most 40 characters of a bad value back, so errors stay short. */
  static String clip(String s) {
    String clipped = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return clipped.replace('\0', '?');
  }
}
