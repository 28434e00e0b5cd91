package dev.auditlog.server.checkpoint;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs and stores checkpoints of one log's head: on request and, once {@link #start
 * started}, on a fixed interval whether or not entries arrived, so a silent log still
 * shows it was alive and unchanged; and finds the stored checkpoints it trusts.
 *
 * <p>A checkpoint is made under the log's append lock, so its seq, chain hash and time are
 * those of one moment between two commits. Before signing, the head is checked against the
 * newest trusted checkpoint: a store that is shorter or whose chain differs there is
 * refused with {@link InconsistentLogException}, so the server never signs over tampering.
 * Only checkpoints whose signature verifies with the server's key, or an earlier key it is
 * configured to trust, count ({@link CheckpointTrust}): a row anyone else inserted can
 * neither stop the server from signing nor stand for the log. Thread-safe; checkpoints are
 * made one at a time.
 */
public final class Checkpointer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

  private final AuditStore store;
  private final String logId;
  private final SigningKey key;
  private final CheckpointTrust trust;
  private final ScheduledExecutorService timer;
  private final AuditMetrics metrics;
  /** When the newest trusted checkpoint this process made or found was made; null: none. */
  private volatile Instant newestAt;

  /**
   * @param earlierKeys public keys that signed this log's checkpoints before {@code key}
   *     (after a key rotation); their checkpoints are trusted too
   */
  public Checkpointer(AuditStore store, String logId, SigningKey key,
      Collection<PublicKey> earlierKeys) {
    this(store, logId, key, earlierKeys, AuditMetrics.inMemory());
  }

  /**
   * @param metrics gets the scheduled checkpoints that failed, and a view of the newest one's
   *     time
   */
  public Checkpointer(AuditStore store, String logId, SigningKey key,
      Collection<PublicKey> earlierKeys, AuditMetrics metrics) {
    this.metrics = metrics;
    metrics.checkpoints(logId, () -> Optional.ofNullable(newestAt));
    this.store = store;
    this.logId = logId;
    this.key = key;
    List<PublicKey> trusted = new ArrayList<>(earlierKeys);
    trusted.add(key.publicKey());
    this.trust = new CheckpointTrust(store, logId, trusted);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "checkpointer-" + logId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Makes a checkpoint every {@code interval}, the first one after {@code interval}. */
  public Checkpointer start(Duration interval) {
    try {
      trust.latest().ifPresent(this::noteNewest);
      if (trust.untrustedOnly()) {
        log.warn("log '{}' holds checkpoints, but none signed by key {} or an earlier key it"
            + " trusts: they are ignored (after a key rotation, configure the earlier public"
            + " key with --earlier-checkpoint-keys)", logId, key.keyId());
      }
    } catch (StoreException e) {
      log.warn("could not read the checkpoints of log '{}': {}", logId, e.getMessage());
    }
    long millis = interval.toMillis();
    timer.scheduleAtFixedRate(this::scheduled, millis, millis, TimeUnit.MILLISECONDS);
    return this;
  }

  /** The key checkpoints are signed with. */
  public SigningKey key() {
    return key;
  }

  /**
   * Whether {@code checkpoint} is of this log and its signature verifies with the server's
   * key or an earlier key it trusts.
   */
  public boolean trusts(Checkpoint checkpoint) {
    return trust.verifies(checkpoint);
  }

  /** The trusted checkpoint with the highest seq (the newest among equals), if any. */
  public Optional<Checkpoint> latest() throws StoreException {
    return trust.latest();
  }

  /** The trusted checkpoint with the lowest seq at or above {@code seq}, the oldest first. */
  public Optional<Checkpoint> covering(long seq) throws StoreException {
    return trust.covering(seq);
  }

  /**
   * A checkpoint of the head as it is now: the newest trusted one if the head has not moved
   * since, else a new one ({@link #checkpoint()}). Repeated requests on an idle log store
   * nothing.
   */
  public Checkpoint fresh() throws StoreException, InconsistentLogException {
    Optional<Checkpoint> latest = trust.latest();
    LogHead head = store.head(logId);
    if (latest.isPresent() && latest.get().getSeq() == head.seq()
        && latest.get().getChainHash().equals(head.chainHash())) {
      return latest.get();
    }
    return checkpoint();
  }

  /**
   * Signs and stores a new checkpoint of the log head now, and returns it.
   *
   * @throws InconsistentLogException if the store no longer matches the newest trusted
   *     checkpoint
   * @throws StoreException if the store fails
   */
  public synchronized Checkpoint checkpoint() throws StoreException, InconsistentLogException {
    // The lock first: the head and the newest checkpoint are then read in one consistent
    // state, with no append or checkpoint of another instance in between.
    try (AppendTransaction tx = store.lockHead(logId)) {
      LogHead head = tx.head();
      requireConsistent(head, trust.latest());
      Checkpoint c =
          key.sign(logId, head.seq(), head.chainHash(), timestamp(head.nextRecordedAt()));
      tx.insertCheckpoint(c);
      tx.commit();
      noteNewest(c);
      return c;
    }
  }

  private void requireConsistent(LogHead head, Optional<Checkpoint> latest)
      throws StoreException, InconsistentLogException {
    if (latest.isEmpty() || latest.get().getSeq() == 0) {
      return;
    }
    Checkpoint last = latest.get();
    if (head.seq() < last.getSeq()) {
      throw new InconsistentLogException("log '" + logId + "' ends at seq " + head.seq()
          + " but was checkpointed at seq " + last.getSeq() + ": entries were removed");
    }
    Optional<String> chain = store.chainHashAt(logId, last.getSeq());
    if (!chain.equals(Optional.of(last.getChainHash()))) {
      throw new InconsistentLogException("log '" + logId + "' has another chain hash at seq "
          + last.getSeq() + " than its checkpoint: entries were changed");
    }
  }

  private void scheduled() {
    try {
      Checkpoint c = checkpoint();
      log.debug("checkpoint of log '{}' at seq {}", logId, c.getSeq());
    } catch (InconsistentLogException e) {
      metrics.checkpointFailed(logId, "inconsistent");
      log.error("TAMPERING DETECTED, no checkpoint signed: {}", e.getMessage());
    } catch (StoreException e) {
      metrics.checkpointFailed(logId, "store");
      log.warn("checkpoint of log '{}' failed: {}", logId, e.getMessage());
    } catch (RuntimeException e) {
      metrics.checkpointFailed(logId, "unexpected");
      log.error("checkpoint of log '{}' failed unexpectedly", logId, e);
    }
  }

  private void noteNewest(Checkpoint c) {
    Instant at = Instant.ofEpochSecond(c.getRecordedAt().getSeconds(),
        c.getRecordedAt().getNanos());
    Instant before = newestAt;
    if (before == null || at.isAfter(before)) {
      newestAt = at;
    }
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond())
        .setNanos(i.getNano() / 1000 * 1000).build();
  }

  /** Stops the interval; a checkpoint being made finishes. */
  @Override
  public void close() {
    timer.shutdown();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
