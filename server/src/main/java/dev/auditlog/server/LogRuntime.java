package dev.auditlog.server;

import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.checkpoint.SigningKey;
import dev.auditlog.server.grpc.ServedLog;
import dev.auditlog.server.metrics.AuditMetrics;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.PartitionKeeper;
import dev.auditlog.server.store.Sequencer;
import dev.auditlog.server.witness.WitnessConfig;
import dev.auditlog.server.witness.Witnessing;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What runs for one log: its sequencer (a sealing and two committing threads of its own, so
 * that logs commit in parallel and a slow one holds up only its own appends), its
 * checkpointer with the Merkle tree's integrator, its witnessing, and the keeper of the
 * partitions ahead of its head, over the store of the database the log lives in. {@link #close()} stops them in the order they must stop.
 */
final class LogRuntime implements AutoCloseable {
  /** How far the Merkle tree may fall behind the head between checkpoints. */
  static final Duration TREE_INTEGRATION = Duration.ofMillis(200);

  private final String logId;
  private final String database;
  private final AuditStore store;
  private final PartitionKeeper partitions;
  private final Sequencer sequencer;
  private final Checkpointer checkpointer;
  private final Witnessing witnessing;

  private LogRuntime(String logId, String database, AuditStore store,
      PartitionKeeper partitions, Sequencer sequencer, Checkpointer checkpointer,
      Witnessing witnessing) {
    this.logId = logId;
    this.database = database;
    this.store = store;
    this.partitions = partitions;
    this.sequencer = sequencer;
    this.checkpointer = checkpointer;
    this.witnessing = witnessing;
  }

  /**
   * Starts the threads of {@code logId} in {@code store} (of database {@code database}).
   * Every log's queue gets an equal share of {@code --queue-bytes}, at least twice the
   * largest message, so that many logs do not multiply the memory appends may hold.
   *
   * @param logCount how many logs the server serves
   * @param onFatal called when the log's append pipeline failed
   */
  static LogRuntime start(String logId, String database, AuditStore store, ServerConfig config,
      int logCount, SigningKey key, List<PublicKey> earlierKeys, WitnessConfig witnesses,
      Consumer<Throwable> onFatal, AuditMetrics metrics) {
    ServerConfig.Appends appends = config.appends();
    long queueBytes = Math.max(2L * appends.maxMessageBytes(), appends.queueBytes() / logCount);
    PartitionKeeper partitions =
        PartitionKeeper.start(store, logId, config.checkpoints().interval());
    Sequencer sequencer = new Sequencer(store, logId,
        new Sequencer.Limits(appends.maxGroupSize(), Math.min(appends.maxGroupBytes(),
            queueBytes), appends.queueCapacity(), queueBytes), onFatal, metrics).start();
    Checkpointer checkpointer = new Checkpointer(store, logId, key,
        config.checkpoints().originOf(logId), earlierKeys, metrics);
    Witnessing witnessing =
        new Witnessing(logId, witnesses, store.cosignatures(), checkpointer.tree());
    checkpointer.witnessedBy(witnessing)
        .start(config.checkpoints().interval(), TREE_INTEGRATION);
    return new LogRuntime(logId, database, store, partitions, sequencer, checkpointer,
        witnessing);
  }

  String logId() {
    return logId;
  }

  /** The name of the database the log lives in. */
  String database() {
    return database;
  }

  AuditStore store() {
    return store;
  }

  Checkpointer checkpointer() {
    return checkpointer;
  }

  /** The log as the service sees it; {@code available} tells whether its database is up. */
  ServedLog served(BooleanSupplier available) {
    return new ServedLog(logId, sequencer, store, checkpointer, available);
  }

  /** No more checkpoints, then the queue drained and the threads ended. */
  @Override
  public void close() {
    checkpointer.close();
    partitions.close();
    witnessing.close();
    sequencer.close();
  }
}
