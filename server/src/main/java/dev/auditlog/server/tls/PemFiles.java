package dev.auditlog.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads certificates, CRLs and PKCS#8 private keys from PEM files, with the JDK only. */
public final class PemFiles {
  private static final Pattern PRIVATE_KEY = Pattern.compile(
      "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemFiles() {}

  /** The certificates in {@code file}, in order; at least one. */
  public static List<X509Certificate> certificates(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certs = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in)
          .forEach(c -> certs.add((X509Certificate) c));
      if (certs.isEmpty()) {
        throw new IOException("no certificate in " + file);
      }
      return certs;
    } catch (GeneralSecurityException e) {
      throw new IOException("not a PEM certificate file: " + file + " (" + e.getMessage() + ")", e);
    }
  }

  /** The CRLs in {@code file}; at least one. */
  public static List<X509CRL> crls(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509CRL> crls = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCRLs(in)
          .forEach(c -> crls.add((X509CRL) c));
      if (crls.isEmpty()) {
        throw new IOException("no CRL in " + file);
      }
      return crls;
    } catch (GeneralSecurityException e) {
      throw new IOException("not a PEM CRL file: " + file + " (" + e.getMessage() + ")", e);
    }
  }

  /** The unencrypted PKCS#8 key in {@code file} (EC, RSA or EdDSA). */
  public static PrivateKey privateKey(Path file) throws IOException {
    Matcher m = PRIVATE_KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new IOException("no unencrypted PKCS#8 key (BEGIN PRIVATE KEY) in " + file);
    }
    PKCS8EncodedKeySpec spec =
        new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException tryNext) {
        // Not this algorithm.
      }
    }
    throw new IOException("unsupported private key (not EC, RSA or Ed25519) in " + file);
  }
}
