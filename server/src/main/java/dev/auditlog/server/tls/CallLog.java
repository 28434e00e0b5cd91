package dev.auditlog.server.tls;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * The request log: one line for a call that ends with an error, and none for one that
 * succeeds. A line names the caller's identity, the method and the status code, in its text
 * and as the MDC fields {@value #CALLER}, {@value #METHOD} and {@value #STATUS} (in the JSON
 * log, the {@code mdc} object), and never what the call carried: the status's description is
 * left out, since it may quote a field of the event ({@code got '...'}). Like failures (one
 * identity, method and code) are logged once per {@link LogThrottle#INTERVAL}; the next such
 * line counts those left out. Codes that say the server could not serve (UNAVAILABLE,
 * RESOURCE_EXHAUSTED, INTERNAL, ...) are warnings; codes that say the request was wrong are
 * INFO.
 *
 * <p>It goes inside the {@link AuthInterceptor}, which logs its own refusals with the same
 * fields.
 */
public final class CallLog implements ServerInterceptor {
  static final String CALLER = "caller";
  static final String METHOD = "grpc_method";
  static final String STATUS = "grpc_status";

  private static final Logger log = LoggerFactory.getLogger(CallLog.class);
  private static final Set<Status.Code> SERVER_SIDE = Set.of(Status.Code.UNAVAILABLE,
      Status.Code.RESOURCE_EXHAUSTED, Status.Code.INTERNAL, Status.Code.DATA_LOSS,
      Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED, Status.Code.UNIMPLEMENTED);

  private final LogThrottle throttle;

  public CallLog() {
    this(LogThrottle.standard());
  }

  CallLog(LogThrottle throttle) {
    this.throttle = throttle;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String identity = CallerIdentity.KEY.get();
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (!status.isOk()) {
          failed(identity, method, status.getCode());
        }
        super.close(status, trailers);
      }
    }, headers);
  }

  private void failed(String identity, String method, Status.Code code) {
    String caller = identity == null ? "(no identity)" : "'" + LogText.of(identity) + "'";
    long leftOut = throttle.admit("call|" + identity + "|" + method + "|" + code);
    if (leftOut >= 0) {
      write(log, SERVER_SIDE.contains(code) ? Level.WARN : Level.INFO,
          "call " + method + " from " + caller + " ended " + code + LogThrottle.note(leftOut),
          identity, method, code);
    }
  }

  /** Logs {@code line} with the caller, method and status as MDC fields. */
  static void write(Logger logger, Level level, String line, String caller, String method,
      Status.Code code) {
    try (var c = MDC.putCloseable(CALLER, caller == null ? "" : LogText.of(caller));
        var m = MDC.putCloseable(METHOD, method);
        var s = MDC.putCloseable(STATUS, code.name())) {
      logger.atLevel(level).log(line);
    }
  }
}
