package dev.auditlog.client;

import java.time.Duration;

/**
 * How {@link AppendBatcher} coalesces events, checked once.
 *
 * @param linger the longest an event waits in the client for others to join its batch
 * @param maxEvents the most events per AppendBatch (the server's default {@code --max-batch}
 *     is 1000)
 * @param maxBatchBytes the most bytes of events per AppendBatch request
 * @param maxPendingEvents the most events accepted and not yet answered (queued, in flight
 *     or waiting to be retried); beyond it appendAsync fails at once with RESOURCE_EXHAUSTED
 * @param maxPendingBytes the same in bytes of serialized events
 */
record BatchingSettings(Duration linger, int maxEvents, int maxBatchBytes, int maxPendingEvents,
    long maxPendingBytes) {
  /** The most events one AppendBatch may carry by the API's contract. */
  static final int MAX_EVENTS = 1000;
  /** 64 KiB under the server's default {@code --max-message-bytes} of 4 MiB. */
  static final int MAX_BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024;
  static final Duration MAX_LINGER = Duration.ofSeconds(1);
  static final int DEFAULT_MAX_PENDING_EVENTS = 10_000;
  static final long DEFAULT_MAX_PENDING_BYTES = 64L * 1024 * 1024;

  BatchingSettings {
    if (linger.isNegative() || linger.compareTo(MAX_LINGER) > 0) {
      throw new IllegalArgumentException("linger must be 0 to " + MAX_LINGER + ", got " + linger);
    }
    if (maxEvents < 1 || maxEvents > MAX_EVENTS) {
      throw new IllegalArgumentException(
          "maxEvents must be 1 to " + MAX_EVENTS + " (AppendBatch's limit), got " + maxEvents);
    }
    if (maxBatchBytes < 1 || maxBatchBytes > MAX_BATCH_BYTES) {
      throw new IllegalArgumentException(
          "maxBatchBytes must be 1 to " + MAX_BATCH_BYTES + ", got " + maxBatchBytes);
    }
    if (maxPendingEvents < maxEvents) {
      throw new IllegalArgumentException("maxPendingEvents must be at least maxEvents ("
          + maxEvents + "), got " + maxPendingEvents);
    }
    if (maxPendingBytes < maxBatchBytes) {
      throw new IllegalArgumentException("maxPendingBytes must be at least the bytes of one"
          + " batch (" + maxBatchBytes + "), got " + maxPendingBytes);
    }
  }

  /** Batches of up to {@code maxEvents} after at most {@code linger}, default limits. */
  static BatchingSettings of(Duration linger, int maxEvents) {
    return new BatchingSettings(linger, maxEvents, MAX_BATCH_BYTES, DEFAULT_MAX_PENDING_EVENTS,
        DEFAULT_MAX_PENDING_BYTES);
  }

  BatchingSettings withPending(int events, long bytes) {
    return new BatchingSettings(linger, maxEvents, maxBatchBytes, events, bytes);
  }
}
