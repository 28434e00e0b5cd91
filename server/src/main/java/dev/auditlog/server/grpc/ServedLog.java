package dev.auditlog.server.grpc;

import dev.auditlog.server.checkpoint.Checkpointer;
import dev.auditlog.server.store.AuditStore;
import dev.auditlog.server.store.Sequencer;
import java.util.function.BooleanSupplier;

/**
 * One log as the service works with it: its sequencer, the store of the database it lives
 * in, its checkpointer (and tree), and whether that database was reachable at the last
 * probe. Immutable; the parts are thread-safe.
 */
public final class ServedLog {
  private final String logId;
  private final Sequencer sequencer;
  private final AuditStore store;
  private final Checkpointer checkpointer;
  private final BooleanSupplier available;
  private final ProofCalls proofs;

  /**
   * @param available whether the log's database answered the last probe; read on every call
   */
  public ServedLog(String logId, Sequencer sequencer, AuditStore store,
      Checkpointer checkpointer, BooleanSupplier available) {
    this.logId = logId;
    this.sequencer = sequencer;
    this.store = store;
    this.checkpointer = checkpointer;
    this.available = available;
    this.proofs = new ProofCalls(store, logId, checkpointer);
  }

  public String logId() {
    return logId;
  }

  Sequencer sequencer() {
    return sequencer;
  }

  AuditStore store() {
    return store;
  }

  Checkpointer checkpointer() {
    return checkpointer;
  }

  ProofCalls proofs() {
    return proofs;
  }

  boolean available() {
    return available.getAsBoolean();
  }
}
