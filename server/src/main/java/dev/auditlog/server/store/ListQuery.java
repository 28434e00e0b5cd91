package dev.auditlog.server.store;

import java.time.Instant;

/**
 * Which entries to list: those of {@code logId} with seq above {@code afterSeq}, recorded
 * in [{@code since}, {@code until}) (each bound optional, null) and matching {@code filter},
 * at most {@code limit} of them.
 */
public record ListQuery(
    String logId, long afterSeq, Instant since, Instant until, EntryFilter filter, int limit) {

  public ListQuery {
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must be >= 0, got " + afterSeq);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit);
    }
    if (filter == null) {
      throw new IllegalArgumentException("filter must not be null (EntryFilter.NONE for none)");
    }
  }

  /** Every entry of {@code logId} after {@code afterSeq}, at most {@code limit}. */
  public static ListQuery all(String logId, long afterSeq, int limit) {
    return new ListQuery(logId, afterSeq, null, null, EntryFilter.NONE, limit);
  }
}
