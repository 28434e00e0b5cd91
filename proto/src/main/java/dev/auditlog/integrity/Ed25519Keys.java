package dev.auditlog.integrity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 keys as checkpoint signers and verifiers exchange them: private keys as PKCS#8
 * PEM ({@code BEGIN PRIVATE KEY}), public keys as X.509 SubjectPublicKeyInfo PEM ({@code
 * BEGIN PUBLIC KEY}), the formats {@code openssl genpkey -algorithm ed25519} writes. A
 * key's id is the lowercase hex SHA-256 of its DER SubjectPublicKeyInfo. All methods are
 * static and thread-safe.
 */
public final class Ed25519Keys {
  /** The JCA name of the algorithm. */
  public static final String ALGORITHM = "Ed25519";

  /** The length of a raw Ed25519 public key or seed. */
  public static final int RAW_KEY_LENGTH = 32;

  /** DER SubjectPublicKeyInfo of an Ed25519 key up to the raw key (RFC 8410). */
  private static final byte[] SPKI_PREFIX =
      HexFormat.of().parseHex("302a300506032b6570032100");
  /** DER PKCS#8 PrivateKeyInfo of an Ed25519 key up to the seed (RFC 8410). */
  private static final byte[] PKCS8_PREFIX =
      HexFormat.of().parseHex("302e020100300506032b657004220420");
  private static final String PRIVATE_LABEL = "PRIVATE KEY";
  private static final String PUBLIC_LABEL = "PUBLIC KEY";

  private Ed25519Keys() {}

  /** A new random key pair. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java platform lacks Ed25519", e);
    }
  }

  /**
   * Reads a PKCS#8 PEM private key and derives its public key.
   *
   * @throws IOException if the file cannot be read
   * @throws GeneralSecurityException if it does not hold an Ed25519 private key
   */
  public static KeyPair readKeyPair(Path privateKeyPem) throws IOException,
      GeneralSecurityException {
    byte[] der = pem(Files.readString(privateKeyPem, StandardCharsets.US_ASCII), PRIVATE_LABEL);
    PrivateKey key =
        KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
    return new KeyPair(derivePublic(key), key);
  }

  /**
   * Reads an X.509 SubjectPublicKeyInfo PEM public key.
   *
   * @throws IOException if the file cannot be read
   * @throws GeneralSecurityException if it does not hold an Ed25519 public key
   */
  public static PublicKey readPublicKey(Path publicKeyPem) throws IOException,
      GeneralSecurityException {
    return publicKey(pem(Files.readString(publicKeyPem, StandardCharsets.US_ASCII), PUBLIC_LABEL));
  }

  /**
   * An Ed25519 public key from its DER SubjectPublicKeyInfo.
   *
   * @throws GeneralSecurityException if the bytes are not such a key
   */
  public static PublicKey publicKey(byte[] spkiDer) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(spkiDer));
  }

  /**
   * An Ed25519 public key from its 32-byte RFC 8032 encoding, the form signed notes and
   * verifier keys carry.
   *
   * @throws GeneralSecurityException if {@code raw} is not 32 bytes or not a key
   */
  public static PublicKey publicKeyFromRaw(byte[] raw) throws GeneralSecurityException {
    if (raw == null || raw.length != RAW_KEY_LENGTH) {
      throw new GeneralSecurityException("an Ed25519 public key is " + RAW_KEY_LENGTH
          + " bytes, got " + (raw == null ? "null" : raw.length));
    }
    return publicKey(concat(SPKI_PREFIX, raw));
  }

  /**
   * The 32-byte RFC 8032 encoding of an Ed25519 public key.
   *
   * @throws IllegalArgumentException if {@code key} is not an Ed25519 public key
   */
  public static byte[] rawPublicKey(PublicKey key) {
    byte[] der = key.getEncoded();
    if (der == null || der.length != SPKI_PREFIX.length + RAW_KEY_LENGTH
        || !Arrays.equals(der, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
    }
    return Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length);
  }

  /**
   * An Ed25519 private key from its 32-byte RFC 8032 seed (the form Go's {@code
   * ed25519.NewKeyFromSeed} and signed-note signer keys use).
   *
   * @throws GeneralSecurityException if {@code seed} is not 32 bytes
   */
  public static PrivateKey privateKeyFromSeed(byte[] seed) throws GeneralSecurityException {
    if (seed == null || seed.length != RAW_KEY_LENGTH) {
      throw new GeneralSecurityException("an Ed25519 seed is " + RAW_KEY_LENGTH
          + " bytes, got " + (seed == null ? "null" : seed.length));
    }
    return KeyFactory.getInstance(ALGORITHM)
        .generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, seed)));
  }

  /**
   * The public key of an Ed25519 private key.
   *
   * @throws GeneralSecurityException if {@code key} is not an Ed25519 private key
   */
  public static PublicKey publicKey(PrivateKey key) throws GeneralSecurityException {
    return derivePublic(key);
  }

  /**
   * Signs {@code message} (pure Ed25519, RFC 8032) and returns the 64-byte signature.
   *
   * @throws InvalidKeyException if the key is not an Ed25519 private key
   */
  public static byte[] sign(PrivateKey key, byte[] message) throws InvalidKeyException {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (SignatureException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java platform lacks Ed25519", e);
    }
  }

  /** Whether {@code signature} is a valid Ed25519 signature of {@code message} by {@code key}. */
  public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (InvalidKeyException | SignatureException e) {
      return false;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java platform lacks Ed25519", e);
    }
  }

  /** The key id: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
  public static String keyId(PublicKey key) {
    return HexFormat.of().formatHex(EntryHasher.sha256(key.getEncoded()));
  }

  /** The PKCS#8 PEM text of a private key. */
  public static String privatePem(PrivateKey key) {
    return pem(PRIVATE_LABEL, key.getEncoded());
  }

  /** The SubjectPublicKeyInfo PEM text of a public key. */
  public static String publicPem(PublicKey key) {
    return pem(PUBLIC_LABEL, key.getEncoded());
  }

  /**
   * The public key of an Ed25519 private key. The JDK has no direct API for it, so this
   * generates a key pair whose random seed is the private key's seed (RFC 8032 derives the
   * pair from the seed alone) and checks the result by signing and verifying.
   */
  static PublicKey derivePublic(PrivateKey key) throws GeneralSecurityException {
    if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
      throw new GeneralSecurityException("not an Ed25519 private key: " + key.getAlgorithm());
    }
    byte[] seed = ed.getBytes().get();
    KeyPairGenerator g = KeyPairGenerator.getInstance(ALGORITHM);
    g.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
    PublicKey derived = g.generateKeyPair().getPublic();
    byte[] probe = "key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    if (!verify(derived, probe, sign(key, probe))) {
      throw new GeneralSecurityException("could not derive the Ed25519 public key");
    }
    return derived;
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  private static byte[] pem(String text, String label) throws GeneralSecurityException {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new GeneralSecurityException("no '" + begin + "' block");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("bad base64 in the '" + label + "' block", e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Returns a fixed seed on the first request; generators ask for exactly one. */
  private static final class SeedRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] seed;

    SeedRandom(byte[] seed) {
      this.seed = seed.clone();
    }

    @Override
    public void nextBytes(byte[] bytes) {
      if (bytes.length != seed.length) {
        throw new IllegalStateException("expected a request for " + seed.length + " bytes");
      }
      System.arraycopy(seed, 0, bytes, 0, seed.length);
      Arrays.fill(seed, (byte) 0);
    }
  }
}
