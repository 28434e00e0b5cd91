package dev.auditlog.server.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * The development PKI of {@code certs-dev/}, whose private keys are in the repository and
 * therefore public: with it, anyone can be any identity and can impersonate the server.
 *
 * <p>A certificate belongs to it when its public key is one of the committed keys (SHA-256
 * of the SubjectPublicKeyInfo, {@link #PUBLIC_KEY_SHA256}), or when it is, or is issued by,
 * a development CA by name ({@link #CA_NAMES}); the names also catch certificates that
 * {@code make-certs.sh} made anew. {@code DevPkiTest} checks the fingerprints against the
 * files in {@code certs-dev/}.
 *
 * <p>The server refuses to serve it, as a trusted CA in {@code --ca} or as its own
 * certificate in {@code --cert}, on an address other than loopback unless {@code
 * --allow-dev-certificates} says so; with it, and on loopback, it logs one warning. Checked
 * at start; files reloaded later are not checked again.
 */
public final class DevPki {
  /** SHA-256 of the SubjectPublicKeyInfo of each certificate in certs-dev/. */
  static final Set<String> PUBLIC_KEY_SHA256 = Set.of(
      "1fae13fd6023abd00679c3fe44852bd26784e85f436e65be8be568317df9d03b", // ca
      "905aba0cf284df2b67c4b48f50101c6537556c965d5ad12eee56f20b9dc56094", // other-ca
      "2ff3e8a47d08bbd1003ae99ef932326b227b7183d957f235b0666ed512d54919", // server
      "899cf1a503b3858c82620e75c6ab1ad1c88568fe33c8810a4dfc1fd1a90c1d7a", // auth-backend
      "ce5aaa4ce338758d77077c96e698855224ab2aa63f2420e0bd724ca7d8d7e4f4", // auditor
      "414456b3c8c3be42c9e1c1ef9b2e91f9ccb38fc0c374d7ebf547fa217db75d6c", // intruder
      "db16e5af67357a0f6d3eb09c506b946a96594d96a3cd73debc06ba061b6ac270", // other-ca-client
      "01301f9a5880b0a05e5b4aeb5cb5459bd587e0a435c68eff0ca51bff443a2e03", // expired
      "cf52ea52531b4b0fb5d76e456e73340250ac74bf48d49e03ea541c3148cd88f5", // other-ca-auditor
      "e4f431531f25c8e14e8ab771c07cf4cfb8c53f3036d0a9da5bb783f4f93a65c5", // host-auditor
      "6160842ed0fc2ac4d1bb9fdf6849ab775b1278d60b04e9b37aa9402d947dabe1"); // cn-only-auditor

  /** The subjects of the development CAs. */
  static final Set<X500Principal> CA_NAMES = Set.of(
      new X500Principal("CN=Audit Dev CA"), new X500Principal("CN=Audit Other CA"));

  private DevPki() {}

  /**
   * Checks whether the server would serve the development PKI, and where.
   *
   * @param certFile the server's certificate chain ({@code --cert})
   * @param trust the CAs trusted for clients ({@code --ca}), as loaded at start
   * @param bindAddress the address to listen on ({@code --bind})
   * @param allowed whether {@code --allow-dev-certificates} was given
   * @return the one warning to log when the development PKI is in use, else null
   * @throws IllegalStateException naming {@code --allow-dev-certificates} when it is in use
   *     on an address other than loopback and not allowed
   * @throws IOException if {@code certFile} does not hold a certificate
   */
  public static String check(Path certFile, ClientTrust trust, String bindAddress,
      boolean allowed) throws IOException {
    List<String> uses = uses(PemFiles.certificates(certFile), certFile,
        trust.trustedAtStart(), trust.caFile());
    if (uses.isEmpty()) {
      return null;
    }
    String what = "the development PKI from certs-dev/ (" + String.join("; ", uses)
        + "), whose private keys are public";
    if (loopback(bindAddress)) {
      return what + ", is in use: fine for development on loopback (--bind " + bindAddress
          + "), never in production";
    }
    if (!allowed) {
      throw new IllegalStateException(what + ", would be served on --bind " + bindAddress
          + ", which is not a loopback address: use your own CA and server certificate"
          + " (--ca, --cert, --key), or pass --allow-dev-certificates to serve it anyway");
    }
    return what + ", is served on --bind " + bindAddress + " because of"
        + " --allow-dev-certificates: anyone who reaches it can be any identity";
  }

  /** What of the development PKI the server would use, for messages; empty if nothing. */
  static List<String> uses(List<X509Certificate> serverChain, Path certFile,
      List<X509Certificate> trustedCas, Path caFile) {
    List<String> uses = new ArrayList<>();
    for (X509Certificate ca : trustedCas) {
      if (isDev(ca)) {
        uses.add("trusted CA '" + LogText.of(ca.getSubjectX500Principal()) + "' in --ca "
            + caFile);
      }
    }
    for (X509Certificate cert : serverChain) {
      if (isDev(cert)) {
        uses.add("server certificate '" + LogText.of(cert.getSubjectX500Principal())
            + "' issued by '" + LogText.of(cert.getIssuerX500Principal()) + "' in --cert "
            + certFile);
        break;
      }
    }
    return uses;
  }

  /** Whether {@code cert} belongs to the development PKI. */
  static boolean isDev(X509Certificate cert) {
    return PUBLIC_KEY_SHA256.contains(publicKeySha256(cert))
        || CA_NAMES.contains(cert.getSubjectX500Principal())
        || CA_NAMES.contains(cert.getIssuerX500Principal());
  }

  /** Lowercase hex SHA-256 of the certificate's SubjectPublicKeyInfo. */
  static String publicKeySha256(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** Whether the server listens on loopback only; an address that does not resolve is not. */
  static boolean loopback(String bindAddress) {
    try {
      return InetAddress.getByName(bindAddress).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
