package dev.auditlog.client;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AuditEvent;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Watches a client's appends: which server port each attempt went to, which calls gRPC's
 * retry policy sent again, and which events were sent again in a new call (the batcher's
 * retries, or a caller's). An event in either of the last two needed a retry. Thread-safe.
 */
final class AttemptTally implements ClientInterceptor {
  private final Map<Integer, AtomicLong> attemptsByPort = new ConcurrentHashMap<>();
  private final Set<String> sent = ConcurrentHashMap.newKeySet();
  private final Set<String> retried = ConcurrentHashMap.newKeySet();
  private final AtomicLong callsRetried = new AtomicLong();
  private final AtomicLong eventsResent = new AtomicLong();

  /** Attempts (streams) per server port so far. */
  Map<Integer, Long> attemptsByPort() {
    return new TreeMap<>(attemptsByPort.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())));
  }

  /** Calls that gRPC sent more than once (retry policy or transparent retry). */
  long callsRetried() {
    return callsRetried.get();
  }

  /** Events sent again in a new call. */
  long eventsResent() {
    return eventsResent.get();
  }

  /** Distinct events that were in a retried call or sent again in a new one. */
  int eventsRetried() {
    return retried.size();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    List<String> ids = new CopyOnWriteArrayList<>();
    AtomicBoolean counted = new AtomicBoolean();
    ClientStreamTracer.Factory attempts = new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(
          ClientStreamTracer.StreamInfo info, Metadata headers) {
        if ((info.getPreviousAttempts() > 0 || info.isTransparentRetry())
            && counted.compareAndSet(false, true)) {
          callsRetried.incrementAndGet();
          retried.addAll(ids);
        }
        return new ClientStreamTracer() {
          @Override
          public void streamCreated(Attributes transport, Metadata headers) {
            SocketAddress remote = transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            if (remote instanceof InetSocketAddress a) {
              attemptsByPort.computeIfAbsent(a.getPort(), p -> new AtomicLong())
                  .incrementAndGet();
            }
          }
        };
      }
    };
    return new SimpleForwardingClientCall<>(
        next.newCall(method, options.withStreamTracerFactory(attempts))) {
      @Override
      public void sendMessage(Q message) {
        for (String id : eventIds(message)) {
          if (!sent.add(id)) {
            eventsResent.incrementAndGet();
            retried.add(id);
          }
          ids.add(id);
        }
        super.sendMessage(message);
      }
    };
  }

  private static List<String> eventIds(Object message) {
    if (message instanceof AppendRequest r) {
      return List.of(r.getEvent().getEventId());
    }
    if (message instanceof AppendBatchRequest b) {
      return b.getEventsList().stream().map(AuditEvent::getEventId).collect(Collectors.toList());
    }
    return List.of();
  }
}
