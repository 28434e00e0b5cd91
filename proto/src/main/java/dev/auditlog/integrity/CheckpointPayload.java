package dev.auditlog.integrity;

import dev.auditlog.api.v1.Checkpoint;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a checkpoint signs: that as of {@code recordedAt} the log {@code logId} held the
 * entries 1..{@code seq}, whose chain ends in {@code chainHash} (seq 0 and the genesis
 * chain hash for an empty log), and, in checkpoints made since the log has a Merkle tree,
 * that the RFC 6962 tree of those entries has the root {@code merkleRoot}.
 *
 * <p>The signed bytes are the UTF-8 of the RFC 8785 canonical JSON of exactly the members
 * {@code chain_hash}, {@code log_id}, {@code recorded_at} and {@code seq}, plus {@code
 * merkle_root} and {@code tree_size} when there is a root (see {@code
 * docs/checkpoint-format.md}); the signature is pure Ed25519 (RFC 8032) over those bytes.
 * Immutable and thread-safe.
 *
 * @param logId the log's identifier
 * @param seq the last entry covered, 0 for none
 * @param chainHash the chain hash after entry {@code seq}, 64 lowercase hex digits
 * @param recordedAt when the checkpoint was made, in the hash format's timestamp form
 * @param merkleRoot the root of the log's Merkle tree of size {@code seq}, 64 lowercase hex
 *     digits; null in checkpoints made before the tree existed
 */
public record CheckpointPayload(String logId, long seq, String chainHash, String recordedAt,
    String merkleRoot) {
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  /**
   * @throws IllegalArgumentException if seq is negative or a hash is not 64 lowercase hex
   *     digits
   */
  public CheckpointPayload {
    Objects.requireNonNull(logId, "log_id");
    Objects.requireNonNull(recordedAt, "recorded_at");
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0, got " + seq);
    }
    if (chainHash == null || !HASH.matcher(chainHash).matches()) {
      throw new IllegalArgumentException(
          "chain_hash must be 64 lowercase hex digits, got '" + chainHash + "'");
    }
    if (merkleRoot != null && !HASH.matcher(merkleRoot).matches()) {
      throw new IllegalArgumentException(
          "merkle_root must be 64 lowercase hex digits, got '" + merkleRoot + "'");
    }
  }

  /** A checkpoint without a Merkle root, as made before the log had a tree. */
  public CheckpointPayload(String logId, long seq, String chainHash, String recordedAt) {
    this(logId, seq, chainHash, recordedAt, null);
  }

  /**
   * The signed content of a checkpoint as the API carries it: its Merkle root when it has
   * one, none when it was made before the log had a tree.
   *
   * @throws IllegalArgumentException if a hash is malformed
   */
  public static CheckpointPayload of(Checkpoint c) {
    return new CheckpointPayload(c.getLogId(), c.getSeq(), c.getChainHash(),
        EntryHasher.timestamp(c.getRecordedAt()),
        c.getMerkleRoot().isEmpty() ? null : c.getMerkleRoot());
  }

  /** The tree size the root is of: {@code seq} (leaf i is entry i + 1). */
  public long treeSize() {
    return seq;
  }

  /** The canonical JSON text that is signed. */
  public String canonicalJson() {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("log_id", logId);
    members.put("seq", seq);
    members.put("chain_hash", chainHash);
    members.put("recorded_at", recordedAt);
    if (merkleRoot != null) {
      members.put("tree_size", seq);
      members.put("merkle_root", merkleRoot);
    }
    return new CanonicalJson().object(members).toString();
  }

  /** The exact bytes that are signed: the UTF-8 of {@link #canonicalJson()}. */
  public byte[] bytes() {
    return canonicalJson().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Signs these bytes with an Ed25519 private key and returns the 64-byte signature.
   *
   * @throws InvalidKeyException if the key is not an Ed25519 private key
   */
  public byte[] sign(PrivateKey key) throws InvalidKeyException {
    return Ed25519Keys.sign(key, bytes());
  }

  /** Whether {@code signature} is a valid Ed25519 signature of these bytes by {@code key}. */
  public boolean verify(PublicKey key, byte[] signature) {
    return Ed25519Keys.verify(key, bytes(), signature);
  }
}
