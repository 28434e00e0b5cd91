package dev.auditlog.server.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's certificate chain and private key, read from PEM files and read again when
 * either file changes (checked at most once a second, on a handshake), so that a renewed
 * certificate is served to new connections without a restart. A pair that does not load,
 * or whose key does not match the certificate (a half-written renewal), is logged and the
 * previous pair kept.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);
  private static final String ALIAS_PREFIX = "server#";

  private final Path certFile;
  private final Path keyFile;
  private final WatchedFiles watched;
  private volatile KeyPair current;
  private volatile KeyPair previous;

  /** @throws IOException if the files do not hold a matching certificate chain and key */
  ReloadingKeyManager(Path certFile, Path keyFile) throws IOException {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.current = load(certFile, keyFile, 1);
    this.previous = current;
    this.watched = new WatchedFiles(
        List.of(certFile, keyFile), TimeUnit.SECONDS.toNanos(1), System::nanoTime);
  }

  private static KeyPair load(Path certFile, Path keyFile, long generation)
      throws IOException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    requireMatch(chain.get(0), key, keyFile);
    return new KeyPair(ALIAS_PREFIX + generation, chain.toArray(X509Certificate[]::new), key);
  }

  /** Signs random bytes with the key and verifies them with the certificate. */
  private static void requireMatch(X509Certificate cert, PrivateKey key, Path keyFile)
      throws IOException {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      s.initVerify(cert.getPublicKey());
      s.update(probe);
      if (!s.verify(signature)) {
        throw new IOException("private key " + keyFile + " does not match the certificate");
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("private key " + keyFile + " does not match the certificate ("
          + e.getMessage() + ")", e);
    }
  }

  private KeyPair pair() {
    if (watched.changed()) {
      try {
        KeyPair loaded = load(certFile, keyFile, generation(current) + 1);
        previous = current;
        current = loaded;
        log.info("server certificate reloaded from {}: {}, serial {}, valid until {}",
            certFile, LogText.of(loaded.chain[0].getSubjectX500Principal()),
            loaded.chain[0].getSerialNumber().toString(16), loaded.chain[0].getNotAfter());
      } catch (IOException | RuntimeException e) {
        log.warn("server certificate not reloaded, keeping the previous one: {}",
            LogText.of(e.getMessage()));
      }
    }
    return current;
  }

  private static long generation(KeyPair pair) {
    return Long.parseLong(pair.alias.substring(ALIAS_PREFIX.length()));
  }

  /**
   * The alias names the pair's generation, so that a handshake that chose an alias before a
   * reload still gets a chain and key of one pair.
   */
  private String alias(String keyType) {
    KeyPair pair = pair();
    String algorithm = pair.key.getAlgorithm();
    boolean fits = keyType == null || keyType.equals(algorithm)
        || keyType.startsWith(algorithm + "_") || keyType.endsWith("_" + algorithm);
    return fits ? pair.alias : null;
  }

  private KeyPair byAlias(String alias) {
    KeyPair now = current;
    if (now.alias.equals(alias)) {
      return now;
    }
    KeyPair before = previous;
    return before.alias.equals(alias) ? before : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    KeyPair pair = byAlias(alias);
    return pair == null ? null : pair.chain.clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    KeyPair pair = byAlias(alias);
    return pair == null ? null : pair.key;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return null;
  }

  private record KeyPair(String alias, X509Certificate[] chain, PrivateKey key) {}
}
