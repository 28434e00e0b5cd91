package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bad-input cases over real mutual TLS, counted in the real PostgreSQL; and the message
 * size limit, which the network transport enforces (the in-process one hands the message
 * over unread).
 */
class BadInputIT extends BadInputContract {
  @RegisterExtension
  static final AuditServerExtension SERVER = AuditServerExtension.mutualTls();

  @Override
  AuditServerExtension server() {
    return SERVER;
  }

  @Override
  long storedEntries() throws Exception {
    return SERVER.db().countEntries();
  }

  @Test
  void append_messageOverTheSizeLimit_isResourceExhausted() {
    AuditEvent.Builder big = Events.registrationFailure().toBuilder();
    for (int i = 0; i < 60; i++) {
      big.putAttributes("k" + i, "x".repeat(100_000));
    }

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> SERVER.stub("auth-backend").append(Events.request(big.build())));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
  }
}
