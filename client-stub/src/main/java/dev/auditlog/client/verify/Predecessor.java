package dev.auditlog.client.verify;

import dev.auditlog.client.verify.ExportLine.CheckpointLine;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the verifier trusts about the entry just before an export's first one: its chain
 * hash, and maybe its seq and log. An export that does not start at seq 1 proves its entries
 * only relative to its header's {@code prev_chain_hash}, which is not signed; this is what
 * that hash is compared with. Three forms, as {@code audit verify --after} takes them:
 *
 * <ul>
 *   <li>a checkpoint signed by the trusted key ({@link #ofCheckpoint}): seq, chain hash and
 *       log;
 *   <li>a seq and its chain hash ({@link #of}), e.g. the last entry of the previous export;
 *   <li>a chain hash alone ({@link #ofChainHash}): only {@code prev_chain_hash} is compared.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class Predecessor {
  private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern SEQ_AND_HASH = Pattern.compile("([0-9]{1,18}):([0-9a-fA-F]{64})");
  private static final long NO_SEQ = -1;

  private final long seq;
  private final String chainHash;
  private final String logId;
  private final String description;

  private Predecessor(long seq, String chainHash, String logId, String description) {
    this.seq = seq;
    this.chainHash = chainHash;
    this.logId = logId;
    this.description = description;
  }

  /**
   * The entry {@code seq} (0 for none: then the chain hash is the genesis value) with chain
   * hash {@code chainHash}.
   *
   * @throws IllegalArgumentException if seq is negative or the hash not 64 hex digits
   */
  public static Predecessor of(long seq, String chainHash) {
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0, got " + seq);
    }
    String hash = hash(chainHash);
    return new Predecessor(seq, hash, null, "the trusted chain hash of seq " + seq);
  }

  /**
   * Only a chain hash: the export's {@code prev_chain_hash} must equal it, whatever its seq.
   *
   * @throws IllegalArgumentException if it is not 64 hex digits
   */
  public static Predecessor ofChainHash(String chainHash) {
    String hash = hash(chainHash);
    return new Predecessor(NO_SEQ, hash, null, "the trusted chain hash " + hash);
  }

  /**
   * The checkpoint on {@code line}, an export checkpoint line as {@code audit checkpoint}
   * prints it, whose signature must verify with {@code publicKey}.
   *
   * @throws IllegalArgumentException if the line is not a checkpoint line or its signature
   *     does not verify
   */
  public static Predecessor ofCheckpoint(String line, PublicKey publicKey) {
    CheckpointPayload c = verified(line, publicKey);
    return new Predecessor(c.seq(), c.chainHash(), c.logId(), "the signed checkpoint of seq "
        + c.seq() + " recorded at " + c.recordedAt());
  }

  /**
   * Reads the value of {@code audit verify --after}: {@code SEQ:CHAIN_HASH}, a {@code
   * CHAIN_HASH} (64 hex digits, either case), or else the name of a file whose first line is
   * a checkpoint line (the rest of the file, such as the PEM key {@code audit checkpoint}
   * prints after it, is ignored).
   *
   * @throws IOException if the value names no readable file
   * @throws IllegalArgumentException if the file's first line is not a checkpoint signed by
   *     {@code publicKey}
   */
  public static Predecessor parse(String value, PublicKey publicKey) throws IOException {
    Matcher m = SEQ_AND_HASH.matcher(value);
    if (m.matches()) {
      return of(Long.parseLong(m.group(1)), m.group(2));
    }
    if (HASH.matcher(value).matches()) {
      return ofChainHash(value);
    }
    try (BufferedReader in = Files.newBufferedReader(Path.of(value), StandardCharsets.UTF_8)) {
      String first = in.readLine();
      if (first == null) {
        throw new IllegalArgumentException("the file is empty, expected a checkpoint line");
      }
      return ofCheckpoint(first, publicKey);
    }
  }

  /** The trusted predecessor's seq, if this form has one. */
  public OptionalLong seq() {
    return seq == NO_SEQ ? OptionalLong.empty() : OptionalLong.of(seq);
  }

  /** The trusted chain hash, 64 lowercase hex digits. */
  public String chainHash() {
    return chainHash;
  }

  /** The log of the trusted checkpoint; empty for the other forms. */
  public Optional<String> logId() {
    return Optional.ofNullable(logId);
  }

  /** For a person, e.g. "the signed checkpoint of seq 3 recorded at ...". */
  @Override
  public String toString() {
    return description;
  }

  private static String hash(String hex) {
    if (hex == null || !HASH.matcher(hex).matches()) {
      throw new IllegalArgumentException("a chain hash is 64 hex digits, got '" + hex + "'");
    }
    return hex.toLowerCase(Locale.ROOT);
  }

  private static CheckpointPayload verified(String line, PublicKey publicKey) {
    ExportLine parsed;
    try {
      parsed = ExportLineParser.parse(line);
    } catch (MalformedLineException e) {
      throw new IllegalArgumentException("not a checkpoint line: " + e.getMessage(), e);
    }
    if (!(parsed instanceof CheckpointLine c)) {
      throw new IllegalArgumentException("not a checkpoint line, but another line of an export");
    }
    if (!c.payload().verify(publicKey, c.signature())) {
      String trusted = Ed25519Keys.keyId(publicKey);
      throw new IllegalArgumentException(!c.keyId().equals(trusted)
          ? "the checkpoint names key " + c.keyId() + ", not the trusted key " + trusted
          : "the checkpoint's signature does not verify with key " + trusted);
    }
    return c.payload();
  }
}
