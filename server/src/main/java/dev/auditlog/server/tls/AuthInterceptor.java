package dev.auditlog.server.tls;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.metrics.Refusal;
import dev.auditlog.server.tls.AccessPolicy.Permission;
import dev.auditlog.server.tls.Callers.Caller;
import dev.auditlog.server.tls.CertificateIdentity.Claim;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Authenticates every call by the client certificate of its TLS session, authorizes it by
 * the {@link AccessPolicy}, and puts the caller's identity in the {@link Context}.
 *
 * <p>A call without a verified certificate, or with a certificate that is not for clients
 * (extended key usage without clientAuth), is UNAUTHENTICATED (the TLS layer refuses such
 * connections already; this is a second line). Methods of {@code audit.v1.AuditLog} need an
 * identity ({@link CertificateIdentity}): a certificate naming none, or several, is
 * UNAUTHENTICATED; an identity lacking the method's permission, or presented in a chain that
 * no CA bound to it issued ({@link IssuerBindings}), is PERMISSION_DENIED. Methods of {@code
 * audit.v1.AuditLog} that the policy does not list are refused; other services (health,
 * reflection) are open to any client certificate the TLS layer accepted. What a chain
 * establishes is remembered ({@link Callers}). Refusals are logged at most once per reason
 * and identity (or subject) per {@link LogThrottle#INTERVAL}.
 *
 * <p>Appending and reading are per log: an identity with the method's permission on some log
 * gets its request read, and the log it names ({@code log_id}, empty for the default) is
 * checked before the handler sees it: PERMISSION_DENIED for one the identity may not append
 * to or read, whether or not it exists, NOT_FOUND for a log the server does not serve that
 * the identity's grant on every log would cover. Requests without a log
 * (ListForwarders) are about the default log.
 */
public final class AuthInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(AuthInterceptor.class);

  private final AccessPolicy policy;
  private final Callers callers;
  private final LogThrottle throttle;
  private final AuditMetrics metrics;
  private final Map<String, Permission> permissions =
      Map.of(
          AuditLogGrpc.getAppendMethod().getFullMethodName(), Permission.APPEND,
          AuditLogGrpc.getAppendBatchMethod().getFullMethodName(), Permission.APPEND,
          AuditLogGrpc.getListMethod().getFullMethodName(), Permission.READ,
          AuditLogGrpc.getGetCheckpointMethod().getFullMethodName(), Permission.READ,
          AuditLogGrpc.getExportMethod().getFullMethodName(), Permission.READ,
          AuditLogGrpc.getListForwardersMethod().getFullMethodName(), Permission.READ,
          AuditLogGrpc.getReplayForwarderMethod().getFullMethodName(), Permission.ADMIN,
          AuditLogGrpc.getGetInclusionProofMethod().getFullMethodName(), Permission.READ,
          AuditLogGrpc.getGetConsistencyProofMethod().getFullMethodName(), Permission.READ);

  /**
   * @param trust the CAs of the TLS context and the identities bound to them
   * @param identityFromCn whether a certificate without URI or DNS names is named by its
   *     subject's common name ({@code --identity-from-cn})
   * @param metrics counts the calls refused, as permission_denied or unauthenticated
   */
  public AuthInterceptor(AccessPolicy policy, ClientTrust trust, boolean identityFromCn,
      AuditMetrics metrics) {
    this(policy, new Callers(new CertificateIdentity(identityFromCn), trust),
        LogThrottle.standard(), metrics);
  }

  AuthInterceptor(AccessPolicy policy, Callers callers, LogThrottle throttle,
      AuditMetrics metrics) {
    this.policy = policy;
    this.callers = callers;
    this.throttle = throttle;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    List<X509Certificate> chain =
        peerChain(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (chain.isEmpty()) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("client certificate required"));
    }
    Caller caller = callers.of(chain);
    Claim claim = caller.claim();
    Permission needed = required(call.getMethodDescriptor().getServiceName(), method);
    if (!claim.clientCertificate()
        || (claim.identity() == null && needed != Permission.AUTHENTICATED)) {
      String subject = LogText.of(chain.get(0).getSubjectX500Principal());
      warn("unauthenticated|" + subject, "refused " + method + " to certificate " + subject
          + ": " + LogText.of(claim.refusal()), subject, method, Status.Code.UNAUTHENTICATED);
      return refuse(call, Status.UNAUTHENTICATED.withDescription(
          "the client certificate names no caller: " + LogText.of(claim.refusal())));
    }
    String identity = caller.bound() ? claim.identity() : null;
    if (needed != Permission.AUTHENTICATED) {
      Status denied = denial(caller, needed, method);
      if (denied != null) {
        return refuse(call, denied);
      }
    }
    ServerCall.Listener<Q> listener = Contexts.interceptCall(
        Context.current().withValue(CallerIdentity.KEY, identity), call, headers, next);
    if (needed != Permission.APPEND && needed != Permission.READ) {
      return listener;
    }
    return new LogCheck<>(listener, call, identity, needed, method);
  }

  /**
   * Reads the log a request names before the handler does: PERMISSION_DENIED when the caller
   * may not do what the method does on it, NOT_FOUND when it may (a grant on every log) but
   * the server does not serve it. A tenant thus gets the same answer for another tenant's log
   * as for a log that does not exist, and cannot learn the names of the others.
   */
  private final class LogCheck<Q, R> extends SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, R> call;
    private final String identity;
    private final Permission needed;
    private final String method;
    private boolean refused;

    LogCheck(ServerCall.Listener<Q> next, ServerCall<Q, R> call, String identity,
        Permission needed, String method) {
      super(next);
      this.call = call;
      this.identity = identity;
      this.needed = needed;
      this.method = method;
    }

    @Override
    public void onMessage(Q request) {
      if (refused) {
        return;
      }
      String log = RequestedLog.of(request, policy.defaultLog());
      Status denied = logDenial(identity, needed, method, log);
      if (denied != null) {
        refused = true;
        refuse(call, denied);
        return;
      }
      super.onMessage(request);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }
  }

  /** Why {@code identity} may not call {@code method} on {@code log}, logged; null if it may. */
  private Status logDenial(String identity, Permission needed, String method, String log) {
    String shown = LogText.of(log.length() > 64 ? log.substring(0, 64) + "..." : log);
    if (policy.permits(identity, needed, log)) {
      return policy.serves(log) ? null : Status.NOT_FOUND.withDescription(
          "log_id: this server serves no log '" + shown + "'");
    }
    String who = LogText.of(identity);
    warn("denied|" + who + "|" + shown, "denied " + method + " on log '" + shown
        + "' to identity '" + who + "'", who, method, Status.Code.PERMISSION_DENIED);
    return Status.PERMISSION_DENIED.withDescription(
        "identity '" + who + "' may not call " + method + " on log '" + shown + "'");
  }

  /** Why {@code caller} may not call {@code method}, logged; null if it may. */
  private Status denial(Caller caller, Permission needed, String method) {
    String identity = LogText.of(caller.claim().identity());
    if (!policy.permits(caller.claim().identity(), needed)) {
      warn("denied|" + identity, "denied " + method + " to identity '" + identity + "'",
          identity, method, Status.Code.PERMISSION_DENIED);
      return Status.PERMISSION_DENIED.withDescription(
          "identity '" + identity + "' may not call " + method);
    }
    if (!caller.bound()) {
      String ca = caller.issuer() == null ? "an unknown CA" : "CA '"
          + LogText.of(caller.issuer()) + "'";
      warn("unbound|" + identity + "|" + ca, "denied " + method + " to identity '" + identity
          + "' issued by " + ca + ": no --identity-issuer binding lets that CA issue it",
          identity, method, Status.Code.PERMISSION_DENIED);
      return Status.PERMISSION_DENIED.withDescription("identity '" + identity + "' issued by "
          + ca + " may not call " + method + ": that CA may not issue this identity");
    }
    return null;
  }

  private Permission required(String service, String method) {
    Permission p = permissions.get(method);
    if (p != null) {
      return p;
    }
    return AuditLogGrpc.SERVICE_NAME.equals(service) ? Permission.NONE : Permission.AUTHENTICATED;
  }

  /** The verified chain the client presented, leaf first; empty without one. */
  private static List<X509Certificate> peerChain(SSLSession session) {
    if (session == null) {
      return List.of();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      X509Certificate[] x509 = new X509Certificate[chain.length];
      for (int i = 0; i < chain.length; i++) {
        if (!(chain[i] instanceof X509Certificate x)) {
          return List.of();
        }
        x509[i] = x;
      }
      return List.of(x509);
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  /**
   * Logs {@code line}, with the request log's fields ({@link CallLog}), unless a line of
   * {@code key} was logged in the last interval.
   */
  private void warn(String key, String line, String caller, String method, Status.Code code) {
    long leftOut = throttle.admit(key);
    if (leftOut >= 0) {
      CallLog.write(log, Level.WARN, line + LogThrottle.note(leftOut), caller, method, code);
    }
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    if (status.getCode() != Status.Code.NOT_FOUND) {
      metrics.refused(status.getCode() == Status.Code.PERMISSION_DENIED
          ? Refusal.PERMISSION_DENIED : Refusal.UNAUTHENTICATED);
    }
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
