package dev.auditlog.server.tls;

import dev.auditlog.api.v1.AuditLogGrpc;
import dev.auditlog.server.tls.AccessPolicy.Permission;
import dev.auditlog.server.tls.CertificateIdentity.Claim;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call by the client certificate of its TLS session, authorizes it by
 * the {@link AccessPolicy}, and puts the caller's identity in the {@link Context}.
 *
 * <p>A call without a verified certificate, or with a certificate that is not for clients
 * (extended key usage without clientAuth), is UNAUTHENTICATED (the TLS layer refuses such
 * connections already; this is a second line). Methods of {@code audit.v1.AuditLog} need an
 * identity ({@link CertificateIdentity}): a certificate naming none, or several, is
 * UNAUTHENTICATED; an identity lacking the method's permission is PERMISSION_DENIED. Methods
 * of {@code audit.v1.AuditLog} that the policy does not list are refused; other services
 * (health, reflection) are open to any client certificate the TLS layer accepted. Refusals are
 * logged at most once per reason and identity (or subject) per {@link LogThrottle#INTERVAL}.
 */
public final class AuthInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(AuthInterceptor.class);

  private final AccessPolicy policy;
  private final CertificateIdentity identities;
  private final LogThrottle throttle;
  private final Map<String, Permission> permissions =
      Map.of(
          AuditLogGrpc.getAppendMethod().getFullMethodName(), Permission.APPEND,
          AuditLogGrpc.getAppendBatchMethod().getFullMethodName(), Permission.APPEND,
          AuditLogGrpc.getListMethod().getFullMethodName(), Permission.READ,
          AuditLogGrpc.getGetCheckpointMethod().getFullMethodName(), Permission.READ,
          AuditLogGrpc.getExportMethod().getFullMethodName(), Permission.READ);

  /**
   * @param identityFromCn whether a certificate without URI or DNS names is named by its
   *     subject's common name ({@code --identity-from-cn})
   */
  public AuthInterceptor(AccessPolicy policy, boolean identityFromCn) {
    this(policy, new CertificateIdentity(identityFromCn), LogThrottle.standard());
  }

  AuthInterceptor(AccessPolicy policy, CertificateIdentity identities, LogThrottle throttle) {
    this.policy = policy;
    this.identities = identities;
    this.throttle = throttle;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    X509Certificate leaf =
        peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (leaf == null) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription("client certificate required"));
    }
    Claim claim = identities.read(leaf);
    Permission needed = required(call.getMethodDescriptor().getServiceName(), method);
    if (!claim.clientCertificate()
        || (claim.identity() == null && needed != Permission.AUTHENTICATED)) {
      String subject = LogText.of(leaf.getSubjectX500Principal());
      warn("unauthenticated|" + subject, "refused " + method + " to certificate " + subject
          + ": " + LogText.of(claim.refusal()));
      return refuse(call, Status.UNAUTHENTICATED.withDescription(
          "the client certificate names no caller: " + LogText.of(claim.refusal())));
    }
    String identity = claim.identity();
    if (!policy.permits(identity, needed)) {
      warn("denied|" + identity, "denied " + method + " to identity '" + LogText.of(identity)
          + "'");
      return refuse(call, Status.PERMISSION_DENIED.withDescription(
          "identity '" + LogText.of(identity) + "' may not call " + method));
    }
    return Contexts.interceptCall(
        Context.current().withValue(CallerIdentity.KEY, identity), call, headers, next);
  }

  private Permission required(String service, String method) {
    Permission p = permissions.get(method);
    if (p != null) {
      return p;
    }
    return AuditLogGrpc.SERVICE_NAME.equals(service) ? Permission.NONE : Permission.AUTHENTICATED;
  }

  private static X509Certificate peerCertificate(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** Logs {@code line} unless a line of {@code key} was logged in the last interval. */
  private void warn(String key, String line) {
    long leftOut = throttle.admit(key);
    if (leftOut >= 0) {
      log.warn("{}{}", line, LogThrottle.note(leftOut));
    }
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
