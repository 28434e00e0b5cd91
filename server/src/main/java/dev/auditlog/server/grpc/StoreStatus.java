package dev.auditlog.server.grpc;

import dev.auditlog.server.checkpoint.InconsistentLogException;
import dev.auditlog.server.store.DuplicateEventException;
import dev.auditlog.server.store.QueueFullException;
import dev.auditlog.server.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates store failures into gRPC statuses, keeping the cause on the server side only:
 * no SQL text or stack trace reaches a client.
 */
final class StoreStatus {
  private static final Logger log = LoggerFactory.getLogger(StoreStatus.class);

  private StoreStatus() {}

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
    if (e instanceof QueueFullException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "server is overloaded: append queue full; retry later with the same event_id");
    }
    if (e instanceof StoreException s && s.retryable()) {
      return Status.UNAVAILABLE.withDescription(
          "audit store unavailable; retry with the same event_id").withCause(s);
    }
    if (e instanceof IllegalStateException) {
      return Status.UNAVAILABLE.withDescription("server is shutting down; retry elsewhere");
    }
    log.error("internal error", e);
    return Status.INTERNAL.withDescription("internal error").withCause(e);
  }
}
