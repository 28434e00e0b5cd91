package dev.auditlog.server.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.metrics.Refusal;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;

/**
 * Answers a request that does not parse as its message type (random bytes, invalid UTF-8 in
 * a string field, a bad wire type) with {@code INVALID_ARGUMENT} naming the type and the
 * parser's reason. gRPC-java parses requests before any interceptor sees them and turns a
 * parse failure into {@code UNKNOWN} with a stack trace in the log for each one; here the
 * service takes its requests as bytes and they are parsed where the failure can be
 * answered.
 */
public final class MalformedRequests implements ServerInterceptor {
  private final AuditMetrics metrics;

  private MalformedRequests(AuditMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * {@code service} with its requests parsed under this guard, which counts each refusal in
   * {@code metrics} ({@link Refusal#VALIDATION}).
   */
  public static ServerServiceDefinition guard(ServerServiceDefinition service,
      AuditMetrics metrics) {
    return ServerInterceptors.intercept(
        ServerInterceptors.useInputStreamMessages(service), new MalformedRequests(metrics));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ClosingCall<Q, R> closing = new ClosingCall<>(call);
    return new SimpleForwardingServerCallListener<>(next.startCall(closing, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          super.onMessage(message);
        } catch (StatusRuntimeException e) {
          if (!(e.getCause() instanceof InvalidProtocolBufferException bad)) {
            throw e;
          }
          refused = true;
          metrics.refused(Refusal.VALIDATION);
          closing.closeOnce(Status.INVALID_ARGUMENT.withDescription("request is not a valid "
              + inputType(call) + ": " + bad.getMessage()));
        }
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  private static String inputType(ServerCall<?, ?> call) {
    String method = call.getMethodDescriptor().getBareMethodName();
    return call.getMethodDescriptor().getServiceName() + "/" + method + " request";
  }

  /** Remembers whether the call was closed, so that it is closed once. */
  private static final class ClosingCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private volatile boolean closed;

    ClosingCall(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closed = true;
      super.close(status, trailers);
    }

    void closeOnce(Status status) {
      if (!closed) {
        close(status, new Metadata());
      }
    }
  }
}
