package dev.auditlog.server.checkpoint;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.Receipt;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.integrity.ReceiptPayload;
import dev.auditlog.server.store.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ed25519 key the server signs checkpoints with. Immutable and thread-safe.
 *
 * <p>Read from a configured PKCS#8 PEM file, or from {@value #FILE_NAME} in the state
 * directory, where it is generated on first start with its public key beside it in
 * {@value #PUBLIC_FILE_NAME}. A key file that group or others may read or write is refused:
 * whoever reads it can sign checkpoints, and the key must stay out of the database's reach.
 */
public final class SigningKey {
  /** The private key's file name in the data directory. */
  public static final String FILE_NAME = "checkpoint-signing-key.pem";
  /** The public key's file name in the data directory. */
  public static final String PUBLIC_FILE_NAME = "checkpoint-signing-key.pub.pem";

  private static final Logger log = LoggerFactory.getLogger(SigningKey.class);

  private final KeyPair pair;
  private final String keyId;
  private final ByteString publicKeyDer;

  private SigningKey(KeyPair pair) {
    this.pair = pair;
    this.keyId = Ed25519Keys.keyId(pair.getPublic());
    this.publicKeyDer = ByteString.copyFrom(pair.getPublic().getEncoded());
  }

  /**
   * Reads the private key from a PKCS#8 PEM file that only its owner may read and write.
   *
   * @throws IOException if it is missing, group or others may use it (the message says how to
   *     fix that), or it holds no Ed25519 private key; the message names the file
   */
  public static SigningKey read(Path privateKeyPem) throws IOException {
    if (!Files.isRegularFile(privateKeyPem)) {
      throw new NoSuchFileException(privateKeyPem.toString(), null, "no signing key file");
    }
    PrivateFiles.requireOwnerOnly(privateKeyPem, "signing key");
    try {
      return new SigningKey(Ed25519Keys.readKeyPair(privateKeyPem));
    } catch (GeneralSecurityException e) {
      throw new IOException(privateKeyPem + " is not an Ed25519 private key (PKCS#8 PEM): "
          + e.getMessage(), e);
    }
  }

  /** Where the key is kept in the state directory {@code dataDir} when none is configured. */
  public static Path defaultFile(Path dataDir) {
    return dataDir.resolve(FILE_NAME);
  }

  /**
   * Generates a key into {@link #defaultFile} of {@code dataDir} (mode 0600, written at once),
   * with its public key beside it in {@value #PUBLIC_FILE_NAME}; if another process was
   * first, reads that one.
   *
   * @throws IOException if the files cannot be written
   */
  public static SigningKey generate(Path dataDir) throws IOException {
    Path file = defaultFile(dataDir);
    KeyPair pair = Ed25519Keys.generate();
    PrivateFiles.createDirectory(dataDir);
    try {
      PrivateFiles.writeNew(file, Ed25519Keys.privatePem(pair.getPrivate()));
    } catch (FileAlreadyExistsException e) {
      return read(file);
    }
    Path publicFile = dataDir.resolve(PUBLIC_FILE_NAME);
    Files.writeString(publicFile, Ed25519Keys.publicPem(pair.getPublic()),
        StandardCharsets.US_ASCII);
    log.info("generated checkpoint signing key {} in {} (public key in {})",
        Ed25519Keys.keyId(pair.getPublic()), file.toAbsolutePath(), publicFile.getFileName());
    return new SigningKey(pair);
  }

  /** The key id: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
  public String keyId() {
    return keyId;
  }

  public PublicKey publicKey() {
    return pair.getPublic();
  }

  /**
   * Signs the statement that {@code logId} held 1..{@code seq} ending in {@code chainHash},
   * whose Merkle tree has the root {@code merkleRoot}: as canonical JSON, and as a C2SP
   * signed note of the log named {@code origin}.
   */
  public Checkpoint sign(String logId, long seq, String chainHash, Timestamp recordedAt,
      byte[] merkleRoot, String origin) {
    String root = HexFormat.of().formatHex(merkleRoot);
    CheckpointPayload payload =
        new CheckpointPayload(logId, seq, chainHash, EntryHasher.timestamp(recordedAt), root);
    try {
      return Checkpoint.newBuilder()
          .setLogId(logId)
          .setSeq(seq)
          .setChainHash(chainHash)
          .setRecordedAt(recordedAt)
          .setSignature(ByteString.copyFrom(payload.sign(pair.getPrivate())))
          .setKeyId(keyId)
          .setPublicKey(publicKeyDer)
          .setTreeSize(seq)
          .setMerkleRoot(root)
          .setNote(CheckpointNotes.sign(origin, seq, merkleRoot, pair))
          .build();
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("the signing key was checked when read", e);
    }
  }

  /** The verifier key string of this key for the log named {@code origin} in notes. */
  public String verifierKey(String origin) {
    return CheckpointNotes.verifierKey(origin, pair);
  }

  /** Signs a receipt for an appended entry (about a millisecond of CPU). */
  public Receipt receipt(String logId, Entry entry) {
    ReceiptPayload payload =
        new ReceiptPayload(logId, entry.getSeq(), entry.getEntryHash(), entry.getChainHash());
    try {
      return Receipt.newBuilder()
          .setLogId(logId)
          .setSignature(ByteString.copyFrom(payload.sign(pair.getPrivate())))
          .setKeyId(keyId)
          .build();
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("the signing key was checked when read", e);
    }
  }
}
