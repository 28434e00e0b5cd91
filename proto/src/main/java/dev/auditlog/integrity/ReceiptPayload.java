package dev.auditlog.integrity;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an append receipt signs: that the log {@code logId} accepted, at {@code seq}, the
 * entry with {@code entryHash}, making the chain {@code chainHash}. A producer that keeps
 * its receipts can later prove what the log accepted from it.
 *
 * <p>The signed bytes are the UTF-8 of the RFC 8785 canonical JSON of exactly the members
 * {@code chain_hash}, {@code entry_hash}, {@code log_id} and {@code seq} (see {@code
 * docs/checkpoint-format.md}); the key and algorithm are the checkpoints'. The member sets
 * differ, so a receipt's signature never verifies as a checkpoint's. Immutable.
 */
public record ReceiptPayload(String logId, long seq, String entryHash, String chainHash) {

  public ReceiptPayload {
    Objects.requireNonNull(logId, "log_id");
    Objects.requireNonNull(entryHash, "entry_hash");
    Objects.requireNonNull(chainHash, "chain_hash");
  }

  /** The canonical JSON text that is signed. */
  public String canonicalJson() {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("log_id", logId);
    members.put("seq", seq);
    members.put("entry_hash", entryHash);
    members.put("chain_hash", chainHash);
    return new CanonicalJson().object(members).toString();
  }

  /**
   * Signs the canonical JSON with an Ed25519 private key; returns the 64-byte signature.
   *
   * @throws InvalidKeyException if the key is not an Ed25519 private key
   */
  public byte[] sign(PrivateKey key) throws InvalidKeyException {
    return Ed25519Keys.sign(key, canonicalJson().getBytes(StandardCharsets.UTF_8));
  }

  /** Whether {@code signature} is a valid signature of this receipt by {@code key}. */
  public boolean verify(PublicKey key, byte[] signature) {
    return Ed25519Keys.verify(key, canonicalJson().getBytes(StandardCharsets.UTF_8), signature);
  }
}
