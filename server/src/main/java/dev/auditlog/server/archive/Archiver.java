package dev.auditlog.server.archive;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.store.AppendTransaction;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.tree.LogTree;
import dev.auditlog.server.tree.TreeMismatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Archives the oldest entries of a log out of PostgreSQL, whole partitions at a time, in the
 * order that loses nothing: checks the range (outside the retention, whole partitions, the
 * head stays); signs a checkpoint of its last entry, the record the remaining entries verify
 * after, and stores it; writes the range as a checked export file ending in that checkpoint;
 * then, in one owner transaction, records the archive (PostgreSQL checks it again, V14) and
 * detaches and drops the partitions. A failure before that transaction leaves every entry in
 * place. The Merkle tree's tiles stay: consistency proofs and tiles over the archived range
 * keep working.
 */
public final class Archiver {
  /** Most time the detaching transaction waits for its locks (reads and appends wait too). */
  private static final String LOCK_TIMEOUT = "10s";

  private final AuditStore store;
  private final DataSource owner;
  private final String schema;
  private final SigningKey key;
  private final String origin;
  private final Collection<PublicKey> earlierKeys;

  /** What an archive did. */
  public record Result(String logId, long fromSeq, long upToSeq, Checkpoint checkpoint,
      byte[] fileSha256, List<String> droppedPartitions) {}

  /**
   * @param store the store as the writer role (entries, tiles, checkpoints)
   * @param owner connections as the schema owner (the archive record, the partitions)
   * @param origin the origin of the log's checkpoint notes
   * @param earlierKeys public keys that signed the log's checkpoints before {@code key}
   */
  public Archiver(AuditStore store, DataSource owner, String schema, SigningKey key,
      String origin, Collection<PublicKey> earlierKeys) {
    this.store = store;
    this.owner = owner;
    this.schema = schema;
    this.key = key;
    this.origin = origin;
    this.earlierKeys = List.copyOf(earlierKeys);
  }

  /**
   * Archives {@code logId}'s entries after its last archive up to {@code upToSeq} into the new
   * file {@code out}.
   *
   * @throws ArchiveRefusedException if the range may not or cannot be archived
   * @throws IOException if the file cannot be written (it must not exist)
   */
  public Result archive(String logId, long upToSeq, Path out) throws ArchiveRefusedException,
      IOException, StoreException, SQLException {
    return archive(logId, upToSeq, out, Set.of());
  }

  /**
   * Like {@link #archive(String, long, Path)}, accepting that the forwarding destinations
   * {@code behindAccepted} never get the range (destinations removed for good).
   */
  public Result archive(String logId, long upToSeq, Path out, Set<String> behindAccepted)
      throws ArchiveRefusedException, IOException, StoreException, SQLException {
    if (Files.exists(out)) {
      throw new ArchiveRefusedException("--out " + out + " exists already");
    }
    ArchivePlan plan;
    try (Connection c = owner.getConnection()) {
      plan = ArchivePlan.of(c, schema, logId, upToSeq, behindAccepted);
    }
    Checkpointer checkpointer = new Checkpointer(store, logId, key, origin, earlierKeys);
    try {
      requireCheckpointBeyond(checkpointer, plan);
      LogTree tree = integrated(checkpointer, plan);
      Checkpoint checkpoint = checkpointOf(checkpointer, tree, plan);
      String prev = plan.fromSeq() == 1 ? EntryHasher.GENESIS_CHAIN_HASH
          : store.chainHashAt(logId, plan.fromSeq() - 1).orElseThrow(() ->
              new ArchiveRefusedException("the chain hash of seq " + (plan.fromSeq() - 1)
                  + " is neither stored nor archived"));
      List<byte[]> frontier = plan.fromSeq() == 1 ? List.of()
          : tree.leftFrontier(plan.fromSeq() - 1);
      byte[] sha256 = ArchiveFile.write(store, plan.fromSeq(), prev, frontier, checkpoint, out);
      record(plan, checkpoint, sha256, out);
      return new Result(logId, plan.fromSeq(), upToSeq, checkpoint, sha256, plan.partitions());
    } catch (TreeMismatchException e) {
      throw new ArchiveRefusedException("the log's Merkle tree or chain no longer matches its"
          + " signed checkpoints, nothing is archived: " + e.getMessage());
    } finally {
      checkpointer.close();
    }
  }

  /**
   * A server's Merkle tree reads each entry once, in order: one that had not integrated the
   * entries before they went could not go on. A server that signed a checkpoint beyond them
   * had (and one that starts later begins at its newest checkpoint), so one is required.
   */
  private static void requireCheckpointBeyond(Checkpointer checkpointer, ArchivePlan plan)
      throws StoreException, ArchiveRefusedException {
    long newest = checkpointer.latestTree().map(Checkpoint::getTreeSize).orElse(0L);
    if (newest <= plan.upToSeq()) {
      throw new ArchiveRefusedException("--up-to-seq " + plan.upToSeq() + ": the newest"
          + " trusted checkpoint of log '" + plan.logId() + "' with a Merkle tree is of seq "
          + newest + "; archive once the server has signed one beyond seq " + plan.upToSeq()
          + " (every --checkpoint-interval, or audit checkpoint --fresh)");
    }
  }

  /**
   * The log's tree, integrated past the tile over {@code upToSeq}: the database computes a
   * stored tile from the entries under it, so a tile that covers archived entries must be
   * stored before they go.
   */
  private static LogTree integrated(Checkpointer checkpointer, ArchivePlan plan)
      throws StoreException, TreeMismatchException, ArchiveRefusedException {
    LogTree tree = checkpointer.tree();
    long size = tree.integrate();
    long tileEnd = ((plan.upToSeq() - 1) / 256 + 1) * 256;
    if (size < tileEnd) {
      throw new ArchiveRefusedException("--up-to-seq " + plan.upToSeq() + ": the Merkle tile"
          + " over it is complete once the log holds " + tileEnd + " entries (it holds " + size
          + "); archive then");
    }
    return tree;
  }

  /** A trusted checkpoint of exactly upToSeq with a tree, if one is stored; else a new one. */
  private Checkpoint checkpointOf(Checkpointer checkpointer, LogTree tree, ArchivePlan plan)
      throws StoreException, TreeMismatchException, ArchiveRefusedException {
    Optional<Checkpoint> stored = checkpointer.covering(plan.upToSeq());
    if (stored.isPresent() && stored.get().getSeq() == plan.upToSeq()
        && !stored.get().getMerkleRoot().isEmpty()) {
      return stored.get();
    }
    String chain = store.chainHashAt(plan.logId(), plan.upToSeq()).orElseThrow(() ->
        new ArchiveRefusedException("entry seq " + plan.upToSeq() + " is missing"));
    Checkpoint c = key.sign(plan.logId(), plan.upToSeq(), chain, now(),
        tree.root(plan.upToSeq()), origin);
    try (AppendTransaction tx = store.lockHead(plan.logId())) {
      tx.insertCheckpoint(c);
      tx.commit();
    }
    return c;
  }

  /** Records the archive and detaches and drops its partitions, in one transaction. */
  private void record(ArchivePlan plan, Checkpoint checkpoint, byte[] sha256, Path out)
      throws SQLException {
    try (Connection c = owner.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
        insertArchive(c, plan, checkpoint, sha256, out);
        for (String partition : plan.partitions()) {
          s.execute("ALTER TABLE " + schema + ".entry DETACH PARTITION " + schema + "."
              + partition);
          s.execute("DROP TABLE " + schema + "." + partition);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private void insertArchive(Connection c, ArchivePlan plan, Checkpoint checkpoint,
      byte[] sha256, Path out) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".archive"
        + " (log_id, from_seq, up_to_seq, chain_hash, checkpoint_id, file_sha256, file_name)"
        + " SELECT ?, ?, ?, k.chain_hash, k.id, ?, ? FROM " + schema + ".checkpoint k"
        + " WHERE k.log_id = ? AND k.seq = ? AND k.signature = ? ORDER BY k.id LIMIT 1")) {
      ps.setString(1, plan.logId());
      ps.setLong(2, plan.fromSeq());
      ps.setLong(3, plan.upToSeq());
      ps.setBytes(4, sha256);
      ps.setString(5, out.toAbsolutePath().toString());
      ps.setString(6, plan.logId());
      ps.setLong(7, plan.upToSeq());
      ps.setBytes(8, checkpoint.getSignature().toByteArray());
      if (ps.executeUpdate() != 1) {
        throw new SQLException("the archive's checkpoint of seq " + plan.upToSeq()
            + " is not stored");
      }
    }
  }

  private static Timestamp now() {
    Instant now = Instant.now();
    return Timestamp.newBuilder().setSeconds(now.getEpochSecond())
        .setNanos(now.getNano() / 1000 * 1000).build();
  }

  /** Lowercase hex, for messages. */
  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
