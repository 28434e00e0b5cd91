package dev.auditlog.server.grpc;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.GetInclusionProofRequest;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.api.v1.ReplayForwarderRequest;
import dev.auditlog.server.store.EntryFilter;
import dev.auditlog.server.store.IpRange;
import dev.auditlog.server.store.ListQuery;
import io.grpc.StatusException;
import java.time.Instant;

/**
 * Checks every request of {@code audit.v1.AuditLog} where it arrives, before any work is
 * done, and turns it into what the service works with: each refusal is INVALID_ARGUMENT
 * with a message that names the field and says what was expected ({@code page_size: must be
 * 1 to 1000 (0 for 100), got 5000}). The events themselves are checked by {@link
 * EventValidator}. Immutable and thread-safe.
 */
final class RequestValidator {
  private final String defaultLog;
  private final int maxBatchSize;

  /**
   * @param defaultLog the log of requests that name none
   * @param maxBatchSize the most events one AppendBatch may carry
   */
  RequestValidator(String defaultLog, int maxBatchSize) {
    this.defaultLog = defaultLog;
    this.maxBatchSize = maxBatchSize;
  }

  /** The draft entry of an Append's event, produced by {@code producer}. */
  Entry append(AppendRequest r, String producer) throws StatusException {
    if (!r.hasEvent()) {
      throw EventValidator.invalid("event", "required");
    }
    return EventValidator.draft(r.getEvent(), producer, "event.");
  }

  /** Checks the size of a batch; its events are checked one by one with {@link #batchEvent}. */
  void batch(AppendBatchRequest r) throws StatusException {
    int n = r.getEventsCount();
    if (n == 0 || n > maxBatchSize) {
      throw EventValidator.invalid(
          "events", "1 to " + maxBatchSize + " events per batch, got " + n);
    }
  }

  /** The draft entry of event {@code i} of a batch; a refusal names {@code events[i]}. */
  Entry batchEvent(AuditEvent event, int i, String producer) throws StatusException {
    return EventValidator.draft(event, producer, "events[" + i + "].");
  }

  /**
   * The query a List asks for, of the log it names (the default one when it names none),
   * continuing after its page token.
   */
  ListQuery list(ListRequest r) throws StatusException {
    EntryFilter filter = filter(r);
    long afterSeq = PageTokens.decode(r.getPageToken(), filters(r, filter));
    int size = r.getPageSize();
    if (size < 0 || size > Limits.MAX_PAGE_SIZE) {
      throw EventValidator.invalid(
          "page_size", "must be 1 to " + Limits.MAX_PAGE_SIZE + " (0 for 100), got " + size);
    }
    Instant since = r.hasSince() ? instant(r.getSince(), "since") : null;
    Instant until = r.hasUntil() ? instant(r.getUntil(), "until") : null;
    if (since != null && until != null && until.isBefore(since)) {
      throw EventValidator.invalid("until", "must not be before since");
    }
    String logId = r.getLogId().isEmpty() ? defaultLog : r.getLogId();
    return new ListQuery(logId, afterSeq, since, until, filter,
        size == 0 ? Limits.DEFAULT_PAGE_SIZE : size);
  }

  /** The conditions of a List besides its time window; an empty field sets none. */
  static EntryFilter filter(ListRequest r) throws StatusException {
    EntryFilter f = EntryFilter.NONE;
    if (!r.getAction().isEmpty()) {
      f = f.withAction(EventValidator.action(r.getAction(), "action"));
    }
    if (!r.getActionPrefix().isEmpty()) {
      f = f.withActionPrefix(EventValidator.action(r.getActionPrefix(), "action_prefix"));
    }
    if (!r.getUserId().isEmpty()) {
      f = f.withUserId(EventValidator.text(r.getUserId(), "user_id", Limits.MAX_USER_ID));
    }
    if (!r.getTarget().isEmpty()) {
      f = f.withTarget(EventValidator.text(r.getTarget(), "target", Limits.MAX_TARGET));
    }
    if (r.getOutcome() == Outcome.UNRECOGNIZED) {
      throw EventValidator.invalid("outcome", "must be one of OUTCOME_SUCCESS, OUTCOME_FAILURE,"
          + " OUTCOME_DENIED, OUTCOME_ERROR (or unset for all), got " + r.getOutcomeValue());
    }
    if (r.getOutcome() != Outcome.OUTCOME_UNSPECIFIED) {
      f = f.withOutcome(r.getOutcome());
    }
    if (!r.getProducer().isEmpty()) {
      f = f.withProducer(EventValidator.text(r.getProducer(), "producer", Limits.MAX_PRODUCER));
    }
    if (!r.getSourceIp().isEmpty()) {
      f = f.withSourceIp(ipRange(r.getSourceIp()));
    }
    return f;
  }

  private static IpRange ipRange(String text) throws StatusException {
    String problem;
    if (text.length() <= Limits.MAX_SOURCE_IP) {
      try {
        return IpRange.parse(text);
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    } else {
      problem = "at most " + Limits.MAX_SOURCE_IP + " characters";
    }
    throw EventValidator.invalid("source_ip", "must be an IP address or CIDR such as"
        + " 10.0.0.0/8, got '" + EventValidator.clip(text) + "' (" + problem + ")");
  }

  /**
   * What a page token binds a List to: its filters. The time window and action are written
   * as before the other filters existed, so tokens of earlier servers stay valid; each other
   * filter that is set follows with its length, so no two sets of filters read alike. The
   * log a request names is one of them: a token of one log's pages is refused for another.
   */
  static String filters(ListRequest r, EntryFilter f) {
    StringBuilder s = new StringBuilder()
        .append(r.getSince()).append('|').append(r.getUntil()).append('|').append(r.getAction());
    part(s, "action_prefix", f.actionPrefix());
    part(s, "user_id", f.userId());
    part(s, "target", f.target());
    part(s, "outcome", f.outcome() == null ? null : f.outcome().name());
    part(s, "producer", f.producer());
    part(s, "source_ip", f.sourceIp() == null ? null : f.sourceIp().toString());
    part(s, "log_id", r.getLogId().isEmpty() ? null : r.getLogId());
    return s.toString();
  }

  private static void part(StringBuilder s, String name, String value) {
    if (value != null) {
      s.append('|').append(name).append(':').append(value.length()).append(':').append(value);
    }
  }

  void getCheckpoint(GetCheckpointRequest r) throws StatusException {
    if (r.getSeq() < 0) {
      throw EventValidator.invalid("seq", "must be >= 0, got " + r.getSeq());
    }
    if (r.getFresh() && r.getSeq() != 0) {
      throw EventValidator.invalid("seq", "must be 0 when fresh is set");
    }
  }

  void export(ExportRequest r) throws StatusException {
    if (r.getFromSeq() < 0) {
      throw EventValidator.invalid("from_seq", "must be >= 0, got " + r.getFromSeq());
    }
    if (r.getToSeq() < 0) {
      throw EventValidator.invalid("to_seq", "must be >= 0 (0 for the head), got " + r.getToSeq());
    }
    if (r.getToSeq() > 0 && r.getToSeq() < r.getFromSeq()) {
      throw EventValidator.invalid("to_seq", "must not be below from_seq " + r.getFromSeq());
    }
    if (r.hasSince()) {
      EventValidator.micros(r.getSince(), "since");
    }
    if (r.hasUntil()) {
      EventValidator.micros(r.getUntil(), "until");
    }
  }

  void replayForwarder(ReplayForwarderRequest r) throws StatusException {
    if (r.getDestination().isEmpty()) {
      throw EventValidator.invalid("destination", "required, a configured destination's name");
    }
    if (r.getFromSeq() < 0) {
      throw EventValidator.invalid("from_seq", "must be >= 1, or 0 to only resume, got "
          + r.getFromSeq());
    }
  }

  void inclusionProof(GetInclusionProofRequest r) throws StatusException {
    switch (r.getEntryCase()) {
      case SEQ -> {
        if (r.getSeq() < 1) {
          throw EventValidator.invalid("seq", "must be >= 1, got " + r.getSeq());
        }
      }
      case EVENT_ID -> EventValidator.eventId(r.getEventId(), "event_id");
      default -> throw EventValidator.invalid("entry", "required: seq or event_id");
    }
    if (r.getTreeSize() < 0) {
      throw EventValidator.invalid("tree_size",
          "must be >= 0 (0 for a checkpoint covering the entry), got " + r.getTreeSize());
    }
    if (r.getEntryCase() == GetInclusionProofRequest.EntryCase.SEQ && r.getTreeSize() > 0
        && r.getTreeSize() < r.getSeq()) {
      throw EventValidator.invalid("tree_size", "must be at least seq " + r.getSeq()
          + ", got " + r.getTreeSize());
    }
  }

  void consistencyProof(GetConsistencyProofRequest r) throws StatusException {
    if (r.getOldSize() < 1) {
      throw EventValidator.invalid("old_size", "must be >= 1, got " + r.getOldSize());
    }
    if (r.getNewSize() < 0) {
      throw EventValidator.invalid("new_size",
          "must be >= 0 (0 for the latest checkpoint's), got " + r.getNewSize());
    }
    if (r.getNewSize() > 0 && r.getNewSize() < r.getOldSize()) {
      throw EventValidator.invalid("new_size", "must not be below old_size " + r.getOldSize()
          + ", got " + r.getNewSize());
    }
  }

  private static Instant instant(Timestamp ts, String field) throws StatusException {
    Timestamp t = EventValidator.micros(ts, field);
    return Instant.ofEpochSecond(t.getSeconds(), ts.getNanos());
  }
}
