package dev.auditlog.client;

import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the soak test's clients know: every event they tried, what the server acknowledged
 * for each, and the longest time in which no append was acknowledged at all. Thread-safe.
 */
final class SoakLedger {
  private final Map<String, AuditEvent> tried = new ConcurrentHashMap<>();
  private final Map<String, AppendResponse> acknowledged = new ConcurrentHashMap<>();
  private final AtomicLong resent = new AtomicLong();
  private long lastAckNanos = System.nanoTime();
  private long longestGapNanos;

  void tried(AuditEvent event) {
    tried.put(event.getEventId(), event);
  }

  void resent() {
    resent.incrementAndGet();
  }

  synchronized void acknowledged(AuditEvent event, AppendResponse response) {
    AppendResponse before = acknowledged.putIfAbsent(event.getEventId(), response);
    if (before != null && !before.equals(response)) {
      throw new AssertionError("event " + event.getEventId() + " acknowledged twice, at seq "
          + before.getSeq() + " and " + response.getSeq());
    }
    long now = System.nanoTime();
    longestGapNanos = Math.max(longestGapNanos, now - lastAckNanos);
    lastAckNanos = now;
  }

  /** Events tried whose outcome the client does not know. */
  List<AuditEvent> unacknowledged() {
    List<AuditEvent> open = new ArrayList<>();
    tried.forEach((id, e) -> {
      if (!acknowledged.containsKey(id)) {
        open.add(e);
      }
    });
    return open;
  }

  int triedCount() {
    return tried.size();
  }

  int acknowledgedCount() {
    return acknowledged.size();
  }

  long resentCount() {
    return resent.get();
  }

  synchronized long longestUnavailableMillis() {
    return longestGapNanos / 1_000_000;
  }

  /**
   * Checks the store against the ledger: each stored event was acknowledged, with its seq
   * and hashes, and each acknowledged one is stored.
   */
  void assertMatches(List<Entry> stored) {
    Map<String, Entry> byId = new HashMap<>();
    for (Entry e : stored) {
      if (byId.put(e.getEventId(), e) != null) {
        throw new AssertionError("event " + e.getEventId() + " stored twice");
      }
      AppendResponse ack = acknowledged.get(e.getEventId());
      if (ack == null) {
        throw new AssertionError("seq " + e.getSeq() + " stored but never acknowledged");
      }
      if (ack.getSeq() != e.getSeq() || !ack.getChainHash().equals(e.getChainHash())) {
        throw new AssertionError("event " + e.getEventId() + " acknowledged at seq "
            + ack.getSeq() + " but stored at seq " + e.getSeq());
      }
    }
    acknowledged.keySet().forEach(id -> {
      if (!byId.containsKey(id)) {
        throw new AssertionError("event " + id + " acknowledged but not stored");
      }
    });
  }
}
