package dev.auditlog.server.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which CAs may issue which identity. An identity is a name from a certificate issued by a
 * named CA: {@code --identity-issuer IDENTITY=CA_PEM_FILE} accepts IDENTITY only from a
 * certificate whose chain leads to a CA in that file. When {@code --ca} holds exactly one CA
 * certificate, identities without a binding are bound to it; when it holds several, every
 * identity the access policy names must have a binding.
 *
 * <p>Fixed when the server starts: a CA that a reload adds to {@code --ca} is trusted at the
 * handshake but issues no identity until it is bound and the server restarted, so a reload
 * can narrow who is who, never widen it. Immutable.
 */
final class IssuerBindings {
  private final Map<String, List<X509Certificate>> bound;
  private final List<X509Certificate> unbound;

  private IssuerBindings(Map<String, List<X509Certificate>> bound,
      List<X509Certificate> unbound) {
    this.bound = bound;
    this.unbound = unbound;
  }

  /**
   * Reads the bindings and checks them against the trusted CAs.
   *
   * @param caFile the {@code --ca} file, for messages
   * @param trusted the CA certificates in it
   * @param files identity to the PEM files of its CAs ({@code --identity-issuer})
   * @param identities every identity the access policy names
   * @throws IllegalArgumentException naming the flag and the identity, when a binding's file
   *     holds no certificate, a binding names a CA that {@code --ca} does not trust, or
   *     {@code --ca} holds several CAs and an identity has no binding
   */
  static IssuerBindings of(Path caFile, List<X509Certificate> trusted,
      Map<String, List<Path>> files, Set<String> identities) {
    Map<String, List<X509Certificate>> bound = new HashMap<>();
    files.forEach((identity, paths) -> bound.put(identity, read(identity, paths, caFile, trusted)));
    Set<X509Certificate> distinct = new LinkedHashSet<>(trusted);
    if (distinct.size() > 1) {
      Set<String> missing = new TreeSet<>(identities);
      missing.removeAll(bound.keySet());
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("--ca " + caFile + " holds " + distinct.size()
            + " CA certificates, so every identity must be bound to the CA that may issue it;"
            + " add " + missing.stream().map(i -> "--identity-issuer " + i + "=CA_PEM_FILE")
                .collect(Collectors.joining(" and "))
            + " (or AUDIT_IDENTITY_ISSUERS=" + missing.stream().map(i -> i + "=CA_PEM_FILE")
                .collect(Collectors.joining(",")) + ")");
      }
    }
    return new IssuerBindings(Map.copyOf(bound),
        distinct.size() == 1 ? List.copyOf(distinct) : List.of());
  }

  private static List<X509Certificate> read(String identity, List<Path> paths, Path caFile,
      List<X509Certificate> trusted) {
    List<X509Certificate> cas = new ArrayList<>();
    for (Path path : paths) {
      String binding = "--identity-issuer " + identity + "=" + path;
      List<X509Certificate> inFile;
      try {
        inFile = PemFiles.certificates(path);
      } catch (IOException e) {
        throw new IllegalArgumentException(binding + ": " + e.getMessage(), e);
      }
      for (X509Certificate ca : inFile) {
        if (trusted.stream().noneMatch(t -> sameCa(t, ca))) {
          throw new IllegalArgumentException(binding + ": CA '"
              + LogText.of(ca.getSubjectX500Principal()) + "' is not trusted by --ca " + caFile
              + "; add it to --ca, or bind " + identity + " to a CA that --ca holds");
        }
      }
      cas.addAll(inFile);
    }
    return List.copyOf(cas);
  }

  /** One CA: the same name and the same key (a renewed CA certificate is the same CA). */
  static boolean sameCa(X509Certificate a, X509Certificate b) {
    return a.getSubjectX500Principal().equals(b.getSubjectX500Principal())
        && Arrays.equals(a.getPublicKey().getEncoded(), b.getPublicKey().getEncoded());
  }

  /**
   * The CAs that may issue {@code identity}: those of its binding, else the one CA of
   * {@code --ca} at start when it held only one, else none.
   */
  List<X509Certificate> cas(String identity) {
    return bound.getOrDefault(identity, unbound);
  }

  /**
   * The CA among {@code cas} to which a valid certification path leads from the leaf of
   * {@code chain} (the JDK's PKIX path builder, with the rest of the chain as intermediates,
   * the CRLs when {@code revocation}, and the current time), or null if none does.
   */
  static X509Certificate issuer(List<X509Certificate> chain, Collection<X509Certificate> cas,
      List<X509CRL> crls, boolean revocation) {
    if (chain.isEmpty() || cas.isEmpty()) {
      return null;
    }
    try {
      Set<TrustAnchor> anchors = new LinkedHashSet<>();
      cas.forEach(c -> anchors.add(new TrustAnchor(c, null)));
      X509CertSelector leaf = new X509CertSelector();
      leaf.setCertificate(chain.get(0));
      PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, leaf);
      params.setRevocationEnabled(revocation);
      List<Object> store = new ArrayList<>(chain);
      store.addAll(crls);
      params.addCertStore(
          CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
      PKIXCertPathBuilderResult path =
          (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
      return path.getTrustAnchor().getTrustedCert();
    } catch (CertPathBuilderException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's PKIX path builder is unavailable", e);
    }
  }
}
