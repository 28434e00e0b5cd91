package dev.auditlog.server.grpc;

import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.metrics.Refusal;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.BooleanSupplier;

/**
 * Answers {@code UNAVAILABLE} at once, before the request is read, while the store is known
 * to be unreachable: a call would otherwise wait in the queue for a connection that is not
 * coming, and its deadline would pass before the retryable answer. The client's retries
 * (same {@code event_id}) carry the event over the outage.
 */
public final class FailFastInterceptor implements ServerInterceptor {
  private final BooleanSupplier storeAvailable;
  private final AuditMetrics metrics;

  /** @param metrics counts the calls answered at once ({@link Refusal#STORE_UNAVAILABLE}) */
  public FailFastInterceptor(BooleanSupplier storeAvailable, AuditMetrics metrics) {
    this.storeAvailable = storeAvailable;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (storeAvailable.getAsBoolean()) {
      return next.startCall(call, headers);
    }
    metrics.refused(Refusal.STORE_UNAVAILABLE);
    call.close(Status.UNAVAILABLE.withDescription(
        "audit store unavailable; retry with the same event_id"), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
