package dev.auditlog.server.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateRevokedException;
import java.security.cert.PKIXReason;
import java.security.cert.CertificateException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks client certificates with the JDK's PKIX validator against the CA certificates in
 * a PEM file and, when a CRL file is given, against its revocation lists: a certificate
 * listed there is refused, and so is every certificate when the CRL does not cover its
 * issuer or is out of date (revocation checked, failing closed). Both files are read again
 * when they change (checked at most once a second, on a handshake). Each refused
 * certificate is reported with its subject, issuer, serial and the reason, through {@link
 * HandshakeLog} with the peer's address when the handshake is watched; never key material.
 * Text taken from the certificate goes through {@link LogText}.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(ReloadingTrustManager.class);

  private final Path caFile;
  private final Path crlFile;
  private final WatchedFiles watched;
  private final LogThrottle throttle = LogThrottle.standard();
  private volatile Trust current;

  /**
   * @param crlFile revocation lists (PEM), or null for no revocation checking
   * @throws IOException if a file does not hold what it should
   */
  ReloadingTrustManager(Path caFile, Path crlFile) throws IOException {
    this.caFile = caFile;
    this.crlFile = crlFile;
    this.current = load(caFile, crlFile);
    this.watched = new WatchedFiles(
        Arrays.asList(caFile, crlFile), TimeUnit.SECONDS.toNanos(1), System::nanoTime);
  }

  /**
   * What one load of the files holds: the CAs, the CRLs (empty without a CRL file) and the
   * JDK trust manager over them. A new one after each reload, so that what was computed from
   * one can tell it is out of date.
   */
  record Trust(X509TrustManager validator, List<X509Certificate> cas, List<X509CRL> crls,
      boolean revocationChecked) {}

  private static Trust load(Path caFile, Path crlFile) throws IOException {
    List<X509Certificate> cas = PemFiles.certificates(caFile);
    List<X509CRL> crls = crlFile == null ? List.of() : PemFiles.crls(crlFile);
    Set<TrustAnchor> anchors = new HashSet<>();
    cas.forEach(c -> anchors.add(new TrustAnchor(c, null)));
    try {
      PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, new X509CertSelector());
      params.setRevocationEnabled(crlFile != null);
      if (crlFile != null) {
        params.addCertStore(
            CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(new CertPathTrustManagerParameters(params));
      for (TrustManager tm : factory.getTrustManagers()) {
        if (tm instanceof X509TrustManager x509) {
          return new Trust(x509, List.copyOf(cas), List.copyOf(crls), crlFile != null);
        }
      }
      throw new IOException("the JDK's PKIX provider has no X509TrustManager");
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot build the trust manager from " + caFile
          + (crlFile == null ? "" : " and " + crlFile) + ": " + e.getMessage(), e);
    }
  }

  /** What the last (re)load holds; does not look at the files. */
  Trust trust() {
    return current;
  }

  private X509TrustManager validator() {
    if (watched.changed()) {
      try {
        current = load(caFile, crlFile);
        log.info("trusted CAs reloaded from {}{}", caFile,
            crlFile == null ? "" : ", revocation lists from " + crlFile);
      } catch (IOException | RuntimeException e) {
        log.warn("trusted CAs or CRL not reloaded, keeping the previous ones: {}",
            LogText.of(e.getMessage()));
      }
    }
    return current.validator();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain, authType, engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, authType,
        socket == null ? null : String.valueOf(socket.getRemoteSocketAddress()));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain, authType, null);
  }

  private void check(X509Certificate[] chain, String authType, String peer)
      throws CertificateException {
    try {
      validator().checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
      String refusal = LogText.of(reason(e)) + (leaf == null ? "" : " (subject "
          + LogText.of(leaf.getSubjectX500Principal()) + ", issuer "
          + LogText.of(leaf.getIssuerX500Principal()) + ", serial "
          + leaf.getSerialNumber().toString(16) + ")");
      if (!HandshakeLog.refuse(refusal)) {
        logUnwatched(peer, refusal);
      }
      throw e;
    }
  }

  /** Logs a refusal that no {@link HandshakeLog} watches, rate-limited as that does. */
  private void logUnwatched(String peer, String refusal) {
    long leftOut = throttle.admit(HandshakeLog.throttleKey(peer, refusal));
    if (leftOut >= 0) {
      log.warn("refused TLS client certificate{}: {}{}",
          peer == null ? "" : " from " + LogText.of(peer), refusal, LogThrottle.note(leftOut));
    }
  }

  /** Why, in words an operator acts on, with the validator's own message. */
  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String detail = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t instanceof CertificateExpiredException) {
      return "certificate expired (" + detail + ")";
    }
    if (t instanceof CertificateNotYetValidException) {
      return "certificate not yet valid (" + detail + ")";
    }
    if (t instanceof CertificateRevokedException || t instanceof CertPathValidatorException v
        && v.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
      return "certificate revoked (" + detail + ")";
    }
    if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException v
        && v.getReason() == PKIXReason.NO_TRUST_ANCHOR) {
      return "not issued by a trusted CA (" + detail + ")";
    }
    if (detail.contains("key usage does not permit use for TLS client authentication")) {
      return "not a client certificate (" + detail + ")";
    }
    return detail;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("this trust manager checks client certificates only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("this trust manager checks client certificates only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("this trust manager checks client certificates only");
  }

  /**
   * None: BoringSSL takes the CA names it asks clients for from here once, when the context
   * is built, so after a reload a client of a newly trusted CA would find its CA missing
   * from the request and send no certificate at all. Without names, clients send theirs and
   * this trust manager decides (and logs why it refuses).
   */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
