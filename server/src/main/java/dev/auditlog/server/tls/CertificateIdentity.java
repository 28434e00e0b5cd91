package dev.auditlog.server.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The rules by which a client certificate names its caller:
 *
 * <ol>
 *   <li>A certificate whose extended key usage is present and holds neither clientAuth nor
 *       anyExtendedKeyUsage (a host or server certificate) is not a client certificate and
 *       names nobody. The JDK's PKIX validator refuses such certificates at the handshake
 *       already; this is a second line.
 *   <li>The URI subject alternative name, if the certificate has one.
 *   <li>Else the DNS subject alternative name, if it has one.
 *   <li>Else, only when reading common names is enabled ({@code --identity-from-cn}), the
 *       subject's common name.
 * </ol>
 *
 * <p>The step that decides must find exactly one name (repeats of one name count once):
 * several URI names, or without URI names several DNS names, or several common names, make
 * the identity ambiguous, and the certificate names nobody. Names of a later step are not
 * looked at once an earlier step found any. Immutable.
 */
final class CertificateIdentity {
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private final boolean fromCommonName;

  /** @param fromCommonName whether a certificate without URI or DNS names is named by its CN */
  CertificateIdentity(boolean fromCommonName) {
    this.fromCommonName = fromCommonName;
  }

  /**
   * What a certificate says about its holder: an identity, or why it names nobody.
   *
   * @param identity the name, or null
   * @param refusal why there is no identity, or null when there is one
   * @param clientCertificate false for a certificate not meant for clients at all
   */
  record Claim(String identity, String refusal, boolean clientCertificate) {
    static Claim of(String identity) {
      return new Claim(identity, null, true);
    }

    static Claim none(String refusal) {
      return new Claim(null, refusal, true);
    }

    static Claim notForClients(String refusal) {
      return new Claim(null, refusal, false);
    }
  }

  /** Reads {@code cert} by the rules above; never null. */
  Claim read(X509Certificate cert) {
    if (!forClients(cert)) {
      return Claim.notForClients(
          "not a client certificate: its extended key usage does not include clientAuth");
    }
    try {
      Claim byUri = single(alternativeNames(cert, SAN_URI), "URI subject alternative names");
      if (byUri != null) {
        return byUri;
      }
      Claim byDns = single(alternativeNames(cert, SAN_DNS), "DNS subject alternative names");
      if (byDns != null) {
        return byDns;
      }
    } catch (CertificateParsingException e) {
      return Claim.none("unreadable subject alternative names (" + e.getMessage() + ")");
    }
    if (!fromCommonName) {
      return Claim.none("no URI or DNS subject alternative name (the subject's common name"
          + " names a caller only with --identity-from-cn)");
    }
    return byCommonName(cert.getSubjectX500Principal());
  }

  private static boolean forClients(X509Certificate cert) {
    try {
      List<String> usages = cert.getExtendedKeyUsage();
      return usages == null || usages.contains(CLIENT_AUTH)
          || usages.contains(ANY_EXTENDED_KEY_USAGE);
    } catch (CertificateParsingException e) {
      return false;
    }
  }

  /** The one name, an ambiguity, or null when there are none. */
  private static Claim single(Set<String> names, String what) {
    if (names.isEmpty()) {
      return null;
    }
    if (names.size() > 1) {
      return Claim.none("ambiguous identity: " + names.size() + " " + what + " " + names);
    }
    return Claim.of(names.iterator().next());
  }

  private static Set<String> alternativeNames(X509Certificate cert, int type)
      throws CertificateParsingException {
    Set<String> found = new LinkedHashSet<>();
    Collection<List<?>> names = cert.getSubjectAlternativeNames();
    if (names != null) {
      for (List<?> name : names) {
        if (((Integer) name.get(0)) == type && name.get(1) instanceof String s && !s.isEmpty()) {
          found.add(s);
        }
      }
    }
    return found;
  }

  private static Claim byCommonName(X500Principal subject) {
    Set<String> names = new LinkedHashSet<>();
    try {
      for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
        Attribute cn = rdn.toAttributes().get("cn");
        for (int i = 0; cn != null && i < cn.size(); i++) {
          if (!(cn.get(i) instanceof String s)) {
            return Claim.none("the subject's common name is not a string");
          }
          if (!s.isEmpty()) {
            names.add(s);
          }
        }
      }
    } catch (InvalidNameException e) {
      return Claim.none("unreadable subject (" + e.getMessage() + ")");
    } catch (NamingException e) {
      return Claim.none("unreadable common name (" + e.getMessage() + ")");
    }
    Claim claim = single(names, "common names in the subject");
    return claim != null ? claim
        : Claim.none("no URI or DNS subject alternative name and no common name");
  }
}
