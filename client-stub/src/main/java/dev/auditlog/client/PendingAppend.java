package dev.auditlog.client;

import com.google.protobuf.CodedOutputStream;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import java.util.concurrent.CompletableFuture;

/**
 * One event of {@link AuditClient#appendAsync} on its way through {@link AppendBatcher}: the
 * event with its {@code event_id} fixed, its size in a batch, its own deadline, how often it
 * was sent, and the future its caller holds. It travels in every batch it is sent in, so each
 * retry carries the same {@code event_id}.
 */
final class PendingAppend {
  final AuditEvent event;
  /** Bytes it adds to an AppendBatchRequest: the field's tag, length and the event. */
  final int size;
  /** {@link System#nanoTime} by which it must be answered. */
  final long deadlineNanos;
  final CompletableFuture<AppendResponse> future = new CompletableFuture<>();
  /** How often it was sent; changed only by the thread that sends or answers it. */
  private volatile int attempts;

  PendingAppend(AuditEvent event, long deadlineNanos) {
    this.event = event;
    this.size = sizeInBatch(event);
    this.deadlineNanos = deadlineNanos;
  }

  static int sizeInBatch(AuditEvent event) {
    return CodedOutputStream.computeMessageSize(AppendBatchRequest.EVENTS_FIELD_NUMBER, event);
  }

  int attempts() {
    return attempts;
  }

  @SuppressWarnings("NonAtomicVolatileUpdate") // one thread at a time owns the event
  void sent() {
    attempts++;
  }

  /** Takes back a send that the server refused for the batch's size, not for the event. */
  @SuppressWarnings("NonAtomicVolatileUpdate")
  void unsent() {
    attempts--;
  }
}
