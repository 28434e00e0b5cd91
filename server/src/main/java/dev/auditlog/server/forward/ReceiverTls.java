package dev.auditlog.server.forward;

import dev.auditlog.server.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS toward a receiver, from a destination's {@code tls} object: the CAs to trust ({@code
 * ca_file}, PEM; without it the JDK's default trust store) and, for receivers that ask for
 * one, a client certificate ({@code cert_file} and {@code key_file}, PEM and PKCS#8). The
 * receiver's host name is always checked against its certificate.
 */
public final class ReceiverTls {
  private ReceiverTls() {}

  /** The SSL context the {@code tls} settings describe. */
  public static SSLContext context(Settings tls) {
    Optional<Path> ca = tls.file("ca_file");
    Optional<Path> cert = tls.file("cert_file");
    Optional<Path> key = tls.file("key_file");
    if (cert.isPresent() != key.isPresent()) {
      throw tls.invalid(cert.isPresent() ? "key_file" : "cert_file",
          "given with " + tls.where(cert.isPresent() ? "cert_file" : "key_file"));
    }
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(cert.isPresent() ? keyManagers(cert.get(), key.get()) : null,
          ca.isPresent() ? trustManagers(ca.get()) : null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(tls.where("ca_file") + ", cert_file, key_file: "
          + e.getMessage(), e);
    }
  }

  private static javax.net.ssl.TrustManager[] trustManagers(Path ca)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    List<X509Certificate> certs = PemFiles.certificates(ca);
    for (int i = 0; i < certs.size(); i++) {
      store.setCertificateEntry("ca-" + i, certs.get(i));
    }
    TrustManagerFactory f = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    return f.getTrustManagers();
  }

  private static javax.net.ssl.KeyManager[] keyManagers(Path cert, Path key)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    char[] none = new char[0];
    store.setKeyEntry("client", PemFiles.privateKey(key), none,
        PemFiles.certificates(cert).toArray(X509Certificate[]::new));
    KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    f.init(store, none);
    return f.getKeyManagers();
  }
}
