package dev.auditlog.server.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.RetryInfo;
import dev.auditlog.server.checkpoint.InconsistentLogException;
import dev.auditlog.server.store.DuplicateEventException;
import dev.auditlog.server.store.QueueFullException;
import dev.auditlog.server.store.SequencerStoppedException;
import dev.auditlog.server.store.StoreException;
import dev.auditlog.server.store.TileConflictException;
import dev.auditlog.server.tree.TreeMismatchException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates store failures into gRPC statuses, keeping the cause on the server side only:
 * no SQL text or stack trace reaches a client.
 */
final class StoreStatus {
  private static final Logger log = LoggerFactory.getLogger(StoreStatus.class);

  /** How long an overloaded server asks callers to wait before they try again. */
  static final long RETRY_AFTER_SECONDS = 1;

  private StoreStatus() {}

  /**
   * {@link #of} as an exception to send; {@code RESOURCE_EXHAUSTED} carries a {@code
   * google.rpc.RetryInfo} in its status details that says when to try again.
   */
  static StatusException exception(Throwable t, String field) {
    Status status = of(t, field);
    if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
      return status.asException();
    }
    return StatusProto.toStatusException(com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value())
        .setMessage(status.getDescription())
        .addDetails(Any.pack(RetryInfo.newBuilder()
            .setRetryDelay(Duration.newBuilder().setSeconds(RETRY_AFTER_SECONDS))
            .build()))
        .build());
  }

  static Status of(Throwable t, String field) {
    Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (e instanceof StatusException se) {
      return se.getStatus();
    }
    if (e instanceof DuplicateEventException d) {
      return Status.ALREADY_EXISTS.withDescription(field + ": " + d.getMessage());
    }
    if (e instanceof InconsistentLogException) {
      return Status.DATA_LOSS.withDescription(
          "the store no longer matches its last signed checkpoint; nothing was signed");
    }
    if (e instanceof TreeMismatchException || e instanceof TileConflictException) {
      return Status.DATA_LOSS.withDescription("the log's Merkle tree no longer matches its"
          + " entries or its last signed checkpoint; nothing is signed or proved");
    }
    if (e instanceof QueueFullException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "server is overloaded: append queue full; retry after " + RETRY_AFTER_SECONDS
              + " s with the same event_id");
    }
    if (e instanceof StoreException s && s.retryable()) {
      return Status.UNAVAILABLE.withDescription(
          "audit store unavailable; retry with the same event_id").withCause(s);
    }
    if (e instanceof SequencerStoppedException stopped) {
      return Status.UNAVAILABLE.withDescription(stopped.getMessage()
          + "; retry with the same event_id");
    }
    log.error("internal error", e);
    return Status.INTERNAL.withDescription("internal error").withCause(e);
  }
}
