package dev.auditlog.server.grpc;

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

  public FailFastInterceptor(BooleanSupplier storeAvailable) {
    this.storeAvailable = storeAvailable;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (storeAvailable.getAsBoolean()) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNAVAILABLE.withDescription(
        "audit store unavailable; retry with the same event_id"), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
