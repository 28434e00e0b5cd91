package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.ExportRequest;
import dev.auditlog.api.v1.GetConsistencyProofRequest;
import dev.auditlog.api.v1.ListForwardersRequest;
import io.grpc.health.v1.HealthCheckRequest;
import org.junit.jupiter.api.Test;

/** The log a request is about, read from its {@code log_id} where it has one. */
class RequestedLogTest {
  @Test
  void logId_isTheLogTheRequestNames() {
    assertEquals("a", RequestedLog.of(AppendRequest.newBuilder().setLogId("a").build(), "main"));
    assertEquals("b", RequestedLog.of(AppendBatchRequest.newBuilder().setLogId("b").build(),
        "main"));
    assertEquals("c", RequestedLog.of(ExportRequest.newBuilder().setLogId("c").build(), "main"));
    assertEquals("d", RequestedLog.of(
        GetConsistencyProofRequest.newBuilder().setLogId("d").build(), "main"));
  }

  @Test
  void emptyOrAbsentLogId_isTheDefaultLog() {
    assertEquals("main", RequestedLog.of(AppendRequest.getDefaultInstance(), "main"));
    assertEquals("main", RequestedLog.of(ListForwardersRequest.getDefaultInstance(), "main"));
    assertEquals("main", RequestedLog.of(HealthCheckRequest.newBuilder().setService("x").build(),
        "main"));
    assertEquals("main", RequestedLog.of("not a message", "main"));
  }
}
