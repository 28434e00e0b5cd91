package dev.auditlog.server.checkpoint;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.LogHead;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.tree.LogTree;
import dev.auditlog.server.tree.TreeIntegrator;
import dev.auditlog.server.tree.TreeMismatchException;
import dev.auditlog.server.witness.Witnessing;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
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
 * <p>A checkpoint is made under the log's append lock, so its seq, chain hash, Merkle root
 * and time are those of one moment between two commits. Before signing, the head is
 * checked against the newest trusted checkpoint: a store that is shorter, whose chain
 * differs there, or whose Merkle tree does not extend the signed one (checked with a
 * consistency proof) is refused with {@link InconsistentLogException}, so the server never
 * signs over tampering, nor two checkpoints that contradict each other.
 *
 * <p>The checkpointer owns the log's {@link LogTree}: a {@link TreeIntegrator} keeps it
 * behind the head between checkpoints.
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
  private final String origin;
  private final CheckpointTrust trust;
  private final LogTree tree;
  private final ScheduledExecutorService timer;
  private TreeIntegrator integrator;
  private volatile Witnessing witnessing;
  private final AuditMetrics metrics;
  /** When the newest trusted checkpoint this process made or found was made; null: none. */
  private volatile Instant newestAt;

  /**
   * @param origin the origin line of the log's checkpoint notes, and the key's name there
   * @param earlierKeys public keys that signed this log's checkpoints before {@code key}
   *     (after a key rotation); their checkpoints are trusted too
   */
  public Checkpointer(AuditStore store, String logId, SigningKey key, String origin,
      Collection<PublicKey> earlierKeys) {
    this(store, logId, key, origin, earlierKeys, AuditMetrics.inMemory());
  }

  /**
   * @param metrics gets the scheduled checkpoints that failed, and a view of the newest one's
   *     time
   */
  public Checkpointer(AuditStore store, String logId, SigningKey key, String origin,
      Collection<PublicKey> earlierKeys, AuditMetrics metrics) {
    this.metrics = metrics;
    metrics.checkpoints(logId, () -> Optional.ofNullable(newestAt));
    this.store = store;
    this.logId = logId;
    this.key = key;
    this.origin = origin;
    List<PublicKey> trusted = new ArrayList<>(earlierKeys);
    trusted.add(key.publicKey());
    this.trust = new CheckpointTrust(store, logId, trusted);
    this.tree = new LogTree(store.tiles(), logId, this::latestSignedRoot);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "checkpointer-" + logId);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Makes a checkpoint every {@code interval}, the first one after {@code interval}, and
   * integrates the tree every {@code integration}.
   */
  public Checkpointer start(Duration interval, Duration integration) {
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
    integrator = TreeIntegrator.start(tree, integration);
    return this;
  }

  /**
   * Sends each new checkpoint to {@code witnessing}'s witnesses, and adds the cosignatures
   * it stored to the notes of the checkpoints this returns. Set before {@link #start}.
   */
  public Checkpointer witnessedBy(Witnessing witnessing) {
    this.witnessing = witnessing;
    return this;
  }

  /** {@code c} with the witnesses' cosignatures in its note, when there are witnesses. */
  private Checkpoint witnessed(Checkpoint c) throws StoreException {
    Witnessing w = witnessing;
    return w == null ? c : w.witnessed(c);
  }

  private Optional<Checkpoint> witnessed(Optional<Checkpoint> c) throws StoreException {
    return c.isEmpty() ? c : Optional.of(witnessed(c.get()));
  }

  /** The log's Merkle tree, for proofs. */
  public LogTree tree() {
    return tree;
  }

  /** The origin line of the log's checkpoint notes. */
  public String origin() {
    return origin;
  }

  private Optional<LogTree.SignedRoot> latestSignedRoot() throws StoreException {
    return trust.latest().filter(c -> !c.getMerkleRoot().isEmpty())
        .map(c -> new LogTree.SignedRoot(c.getTreeSize(),
            HexFormat.of().parseHex(c.getMerkleRoot()),
            HexFormat.of().parseHex(c.getChainHash())));
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
    return witnessed(trust.latest());
  }

  /** The trusted checkpoint with the lowest seq at or above {@code seq}, the oldest first. */
  public Optional<Checkpoint> covering(long seq) throws StoreException {
    return witnessed(trust.covering(seq));
  }

  /** The trusted checkpoint with a Merkle root and the largest tree, if any. */
  public Optional<Checkpoint> latestTree() throws StoreException {
    return witnessed(trust.latest(Checkpointer::hasTree));
  }

  /**
   * The trusted checkpoint with a Merkle root and the smallest tree of at least {@code size}
   * entries, the oldest of equals, if any.
   */
  public Optional<Checkpoint> coveringTree(long size) throws StoreException {
    return witnessed(trust.covering(size, Checkpointer::hasTree));
  }

  private static boolean hasTree(Checkpoint c) {
    return !c.getMerkleRoot().isEmpty();
  }

  /**
   * A checkpoint of the head as it is now: the newest trusted one if the head has not moved
   * since (and it has a Merkle root), else a new one ({@link #checkpoint()}). Repeated
   * requests on an idle log store nothing.
   */
  public Checkpoint fresh() throws StoreException, InconsistentLogException {
    Optional<Checkpoint> latest = trust.latest();
    LogHead head = store.head(logId);
    if (latest.isPresent() && latest.get().getSeq() == head.seq()
        && latest.get().getChainHash().equals(head.chainHash())
        && !latest.get().getMerkleRoot().isEmpty()) {
      return witnessed(latest.get());
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
    integrate(); // most of the entries, before the lock holds up appends
    // The lock first: the head and the newest checkpoint are then read in one consistent
    // state, with no append or checkpoint of another instance in between.
    Checkpoint c;
    try (AppendTransaction tx = store.lockHead(logId)) {
      LogHead head = tx.head();
      Optional<Checkpoint> latest = trust.latest();
      requireConsistent(head, latest);
      byte[] root = consistentRoot(head, latest);
      c = key.sign(logId, head.seq(), head.chainHash(),
          timestamp(head.nextRecordedAt()), root, origin);
      tx.insertCheckpoint(c);
      tx.commit();
      noteNewest(c);
    }
    Witnessing w = witnessing;
    if (w != null) {
      w.submit(c);
    }
    return c;
  }

  /** Integrates every committed entry into the tree, and returns the tree's size. */
  private long integrate() throws StoreException, InconsistentLogException {
    try {
      return tree.integrate();
    } catch (TreeMismatchException e) {
      throw new InconsistentLogException(e.getMessage());
    }
  }

  /**
   * The root of the tree of the head's size, which must extend the newest signed tree:
   * checked with a consistency proof of the tree's own nodes against both roots.
   */
  private byte[] consistentRoot(LogHead head, Optional<Checkpoint> latest)
      throws StoreException, InconsistentLogException {
    long size = head.seq();
    long integrated = integrate();
    if (integrated != size) {
      throw new StoreException("log '" + logId + "': the Merkle tree has " + integrated
          + " entries under the lock, the head is seq " + size, true, null);
    }
    try {
      if (!HexFormat.of().formatHex(tree.chainHash()).equals(head.chainHash())) {
        throw new InconsistentLogException("log '" + logId + "': the chain hash of its head,"
            + " seq " + size + ", is not the one of the entries in its Merkle tree: entries"
            + " were changed after they were appended");
      }
      byte[] root = tree.root(size);
      if (latest.isEmpty() || latest.get().getMerkleRoot().isEmpty()
          || latest.get().getTreeSize() == 0) {
        return root;
      }
      long oldSize = latest.get().getTreeSize();
      byte[] oldRoot = HexFormat.of().parseHex(latest.get().getMerkleRoot());
      boolean consistent = oldSize == size ? Arrays.equals(oldRoot, root)
          : Merkle.verifyConsistency(oldSize, size, oldRoot, root,
              tree.consistencyProof(oldSize, size));
      if (!consistent) {
        throw new InconsistentLogException("log '" + logId + "': its Merkle tree of size "
            + size + " does not extend the signed tree of size " + oldSize
            + ": entries were changed");
      }
      return root;
    } catch (TreeMismatchException e) {
      throw new InconsistentLogException(e.getMessage());
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

  /** Stops the interval and the integration; a checkpoint being made finishes. */
  @Override
  public void close() {
    if (integrator != null) {
      integrator.close();
    }
    timer.shutdown();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
