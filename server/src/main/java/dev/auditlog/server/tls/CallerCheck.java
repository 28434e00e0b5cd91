package dev.auditlog.server.tls;

import dev.auditlog.server.tls.AccessPolicy.Permission;
import dev.auditlog.server.tls.Callers.Caller;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Decides, outside gRPC, whether the holder of a verified client certificate chain may do
 * something: the same identity rules and issuer bindings as {@link AuthInterceptor}, for the
 * server's other TLS endpoints (the tlog-tiles paths). Thread-safe.
 */
public final class CallerCheck {
  private final AccessPolicy policy;
  private final Callers callers;

  /**
   * @param trust the CAs of the endpoint's TLS context and the identities bound to them
   * @param identityFromCn whether a certificate without URI or DNS names is named by its
   *     subject's common name
   */
  public CallerCheck(AccessPolicy policy, ClientTrust trust, boolean identityFromCn) {
    this.policy = policy;
    this.callers = new Callers(new CertificateIdentity(identityFromCn), trust);
  }

  /**
   * The identity of the chain's holder if it may do what {@code permission} allows on the
   * default log (the one the tiles serve), else null.
   *
   * @param chain the chain the handshake verified, leaf first
   */
  public String permitted(List<X509Certificate> chain, Permission permission) {
    if (chain.isEmpty()) {
      return null;
    }
    Caller caller = callers.of(chain);
    String identity = caller.claim().identity();
    if (!caller.claim().clientCertificate() || identity == null || !caller.bound()
        || !policy.permits(identity, permission, policy.defaultLog())) {
      return null;
    }
    return identity;
  }
}
