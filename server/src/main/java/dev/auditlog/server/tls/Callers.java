package dev.auditlog.server.tls;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.auditlog.server.tls.CertificateIdentity.Claim;
import dev.auditlog.server.tls.ReloadingTrustManager.Trust;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Who the holder of a client certificate chain is: the identity its leaf names ({@link
 * CertificateIdentity}), and whether a CA bound to that identity issued it ({@link
 * IssuerBindings}). The TLS handshake has validated the chain already; finding its issuer
 * takes a path build with signature checks, so each result is remembered per chain, and the
 * calls of a connection (and later connections with the same certificate) cost a lookup.
 * A result is recomputed when {@code --ca} or {@code --crl} were reloaded since. At most
 * {@value #MAX_CHAINS} chains are remembered. Thread-safe.
 */
final class Callers {
  static final int MAX_CHAINS = 10_000;

  /**
   * What a chain establishes.
   *
   * @param claim what the leaf names
   * @param bound whether a CA bound to the claimed identity issued the chain; false without
   *     an identity
   * @param issuer the subject of the trusted CA that issued the chain, or null if none is
   *     found (the trusted CAs changed since the handshake)
   * @param basis the load of the trusted CAs this was computed from
   */
  record Caller(Claim claim, boolean bound, String issuer, Trust basis) {}

  private final CertificateIdentity identities;
  private final ClientTrust trust;
  private final Cache<List<X509Certificate>, Caller> seen =
      CacheBuilder.newBuilder().maximumSize(MAX_CHAINS).build();

  Callers(CertificateIdentity identities, ClientTrust trust) {
    this.identities = identities;
    this.trust = trust;
  }

  /** The caller holding {@code chain} (leaf first, as the client sent it); never null. */
  Caller of(List<X509Certificate> chain) {
    Trust now = trust.trustManager().trust();
    Caller known = seen.getIfPresent(chain);
    if (known != null && known.basis() == now) {
      return known;
    }
    Caller caller = resolve(chain, now);
    seen.put(chain, caller);
    return caller;
  }

  private Caller resolve(List<X509Certificate> chain, Trust now) {
    Claim claim = identities.read(chain.get(0));
    if (claim.identity() == null) {
      return new Caller(claim, false, null, now);
    }
    X509Certificate ca = IssuerBindings.issuer(chain,
        trust.bindings().cas(claim.identity()), now.crls(), now.revocationChecked());
    boolean bound = ca != null;
    if (!bound) {
      ca = IssuerBindings.issuer(chain, now.cas(), now.crls(), now.revocationChecked());
    }
    return new Caller(claim, bound,
        ca == null ? null : ca.getSubjectX500Principal().toString(), now);
  }
}
