package dev.auditlog.server.store;

import java.time.Instant;

/**
 * Which entries to list: those of {@code logId} with seq above {@code afterSeq}, recorded
 * in [{@code since}, {@code until}) and with {@code action}, each bound optional (null), at
 * most {@code limit} of them.
 */
public record ListQuery(
    String logId, long afterSeq, Instant since, Instant until, String action, int limit) {

  public ListQuery {
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must be >= 0, got " + afterSeq);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit);
    }
  }
}
