package dev.auditlog.server.tls;

import io.grpc.Context;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The identity of the caller, as its client certificate states it: the first URI subject
 * alternative name, else the first DNS name, else the subject's common name.
 *
 * <p>{@link AuthInterceptor} puts it in the gRPC {@link Context} of every call; handlers
 * read it with {@link #current()}.
 */
public final class CallerIdentity {
  static final Context.Key<String> KEY = Context.key("audit.caller-identity");

  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private CallerIdentity() {}

  /**
   * The identity of the caller of the current call.
   *
   * @throws IllegalStateException outside a call that passed {@link AuthInterceptor}
   */
  public static String current() {
    String identity = KEY.get();
    if (identity == null) {
      throw new IllegalStateException("no caller identity in this context");
    }
    return identity;
  }

  /** Returns the identity the certificate states, or null if it states none. */
  public static String of(X509Certificate cert) {
    String uri = firstSan(cert, SAN_URI);
    if (uri != null) {
      return uri;
    }
    String dns = firstSan(cert, SAN_DNS);
    return dns != null ? dns : commonName(cert);
  }

  private static String firstSan(X509Certificate cert, int type) {
    try {
      Collection<List<?>> names = cert.getSubjectAlternativeNames();
      if (names == null) {
        return null;
      }
      for (List<?> name : names) {
        if (((Integer) name.get(0)) == type && name.get(1) instanceof String s && !s.isEmpty()) {
          return s;
        }
      }
      return null;
    } catch (CertificateParsingException e) {
      return null;
    }
  }

  private static String commonName(X509Certificate cert) {
    try {
      LdapName dn = new LdapName(cert.getSubjectX500Principal().getName());
      for (Rdn rdn : dn.getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          String cn = rdn.getValue().toString();
          return cn.isEmpty() ? null : cn;
        }
      }
      return null;
    } catch (InvalidNameException e) {
      return null;
    }
  }
}
