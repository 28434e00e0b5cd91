package dev.auditlog.server.checkpoint;

import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.CheckpointPayload;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import java.security.PublicKey;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which stored checkpoints of one log the server believes: those whose signature verifies,
 * for this log, with the server's own key or with an earlier key it is configured to trust,
 * each by its own public key (never the one a row carries). Anyone holding the writer
 * role's credentials can insert checkpoint rows; one that does not verify is reported once
 * (a log line) and passed over, never taken as the state of the log. Thread-safe.
 */
final class CheckpointTrust {
  private static final Logger log = LoggerFactory.getLogger(CheckpointTrust.class);
  /** How many stored candidates one read looks at; forged rows beyond are not searched. */
  private static final int CANDIDATES = 1000;
  private static final int REPORTED_MAX = 10_000;
  private static final int VERIFIED_MAX = 1024;

  private final AuditStore store;
  private final String logId;
  private final Map<String, PublicKey> keys;
  private final Set<String> reported = Collections.newSetFromMap(
      Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REPORTED_MAX;
        }
      }));

  /**
   * Checkpoints whose signatures verified, exactly as they were read (any other field or
   * byte is another key): a stored row never changes, and checking its two Ed25519
   * signatures costs about 1.2 ms of CPU with the JDK's provider, on every proof and
   * checkpoint read otherwise.
   */
  private final Set<Checkpoint> verified = Collections.newSetFromMap(
      Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Checkpoint, Boolean> eldest) {
          return size() > VERIFIED_MAX;
        }
      }));

  /** @param keys the public keys trusted for this log's checkpoints, by key id */
  CheckpointTrust(AuditStore store, String logId, Collection<PublicKey> keys) {
    this.store = store;
    this.logId = logId;
    Map<String, PublicKey> byId = new LinkedHashMap<>();
    keys.forEach(k -> byId.put(Ed25519Keys.keyId(k), k));
    this.keys = Map.copyOf(byId);
  }

  /** The trusted checkpoint with the highest seq (the newest among equals), if any. */
  Optional<Checkpoint> latest() throws StoreException {
    return latest(c -> true);
  }

  /** Like {@link #latest()}, among the checkpoints that {@code which} accepts. */
  Optional<Checkpoint> latest(Predicate<Checkpoint> which) throws StoreException {
    return firstTrusted(store.latestCheckpoints(logId, keys.keySet(), CANDIDATES), which);
  }

  /** The trusted checkpoint with the lowest seq at or above {@code seq}, the oldest of equals. */
  Optional<Checkpoint> covering(long seq) throws StoreException {
    return covering(seq, c -> true);
  }

  /** Like {@link #covering(long)}, among the checkpoints that {@code which} accepts. */
  Optional<Checkpoint> covering(long seq, Predicate<Checkpoint> which) throws StoreException {
    return firstTrusted(store.checkpointsCovering(logId, keys.keySet(), seq, CANDIDATES),
        which);
  }

  /** Whether stored checkpoints exist that no trusted key signed (forged, or a lost key). */
  boolean untrustedOnly() throws StoreException {
    return latest().isEmpty() && !store.latestCheckpoints(logId, null, 1).isEmpty();
  }

  private Optional<Checkpoint> firstTrusted(List<Checkpoint> candidates,
      Predicate<Checkpoint> which) {
    for (Checkpoint c : candidates) {
      if (!which.test(c)) {
        continue;
      }
      if (verifies(c)) {
        return Optional.of(c);
      }
      report(c);
    }
    return Optional.empty();
  }

  /**
   * Whether {@code c} is of this log and signed by the trusted key its key id names; with a
   * Merkle root, its note too.
   */
  boolean verifies(Checkpoint c) {
    if (verified.contains(c)) {
      return true;
    }
    PublicKey key = keys.get(c.getKeyId());
    if (key == null || !c.getLogId().equals(logId)) {
      return false;
    }
    try {
      boolean tree = !c.getMerkleRoot().isEmpty();
      boolean ok = CheckpointPayload.of(c).verify(key, c.getSignature().toByteArray())
          && (!tree || c.getTreeSize() == c.getSeq() && CheckpointNotes.verifies(c, key));
      if (ok) {
        verified.add(c);
      }
      return ok;
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  private void report(Checkpoint c) {
    String id = c.getSeq() + "/" + HexFormat.of().formatHex(c.getSignature().toByteArray());
    if (reported.add(id)) {
      log.warn("ignoring a stored checkpoint of log '{}' at seq {}: its signature does not"
          + " verify with key {} (forged or damaged); it is not trusted", logId, c.getSeq(),
          c.getKeyId());
    }
  }
}
