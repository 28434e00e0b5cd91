package dev.auditlog.server.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whom the server trusts for client certificates, and for which identities: the CAs of
 * {@code --ca} (with the revocation lists of {@code --crl}), read again when those files
 * change, and the {@link IssuerBindings} from {@code --identity-issuer}, fixed at start. The
 * TLS context ({@link TlsCredentials}) checks every client chain against the CAs; {@link
 * AuthInterceptor} then checks that a CA bound to the caller's identity issued it.
 * Thread-safe.
 */
public final class ClientTrust {
  private final Path caFile;
  private final ReloadingTrustManager trustManager;
  private final IssuerBindings bindings;
  private final List<X509Certificate> trustedAtStart;

  private ClientTrust(Path caFile, ReloadingTrustManager trustManager, IssuerBindings bindings,
      List<X509Certificate> trustedAtStart) {
    this.caFile = caFile;
    this.trustManager = trustManager;
    this.bindings = bindings;
    this.trustedAtStart = trustedAtStart;
  }

  /**
   * Reads the trusted CAs, the revocation lists and the bindings, and checks the bindings
   * against the CAs.
   *
   * @param crlFile revocation lists (PEM), or null for no revocation checking
   * @param issuers identity to the PEM files of the CAs that may issue it
   * @param identities every identity the access policy names
   * @throws IOException if the CA or CRL file is missing or does not hold what it should
   * @throws IllegalArgumentException naming the flag and the identity when a binding is
   *     missing, unreadable, or names a CA that {@code --ca} does not trust
   */
  public static ClientTrust load(Path caFile, Path crlFile, Map<String, List<Path>> issuers,
      Set<String> identities) throws IOException {
    requireReadable("trusted CA", caFile);
    if (crlFile != null) {
      requireReadable("CRL", crlFile);
    }
    ReloadingTrustManager trustManager = new ReloadingTrustManager(caFile, crlFile);
    List<X509Certificate> cas = trustManager.trust().cas();
    return new ClientTrust(caFile, trustManager,
        IssuerBindings.of(caFile, cas, issuers, identities), cas);
  }

  ReloadingTrustManager trustManager() {
    return trustManager;
  }

  IssuerBindings bindings() {
    return bindings;
  }

  /** The {@code --ca} file. */
  Path caFile() {
    return caFile;
  }

  /** The CA certificates of {@code --ca} when the server started. */
  List<X509Certificate> trustedAtStart() {
    return trustedAtStart;
  }

  private static void requireReadable(String what, Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException(what + " file not found or unreadable: " + file.toAbsolutePath());
    }
  }
}
