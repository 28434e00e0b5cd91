package dev.auditlog.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the calls a client starts, by method, and how they ended, by status code. */
final class CallCounter implements ClientInterceptor {
  private final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();
  private final Map<Status.Code, AtomicInteger> ended = new ConcurrentHashMap<>();

  /** Calls started of {@code method}, e.g. {@code AppendBatch}. */
  int started(String method) {
    AtomicInteger n = started.get("audit.v1.AuditLog/" + method);
    return n == null ? 0 : n.get();
  }

  /** Calls that ended with {@code code}. */
  int ended(Status.Code code) {
    AtomicInteger n = ended.get(code);
    return n == null ? 0 : n.get();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    started.computeIfAbsent(method.getFullMethodName(), m -> new AtomicInteger())
        .incrementAndGet();
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            ended.computeIfAbsent(status.getCode(), c -> new AtomicInteger()).incrementAndGet();
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }
}
