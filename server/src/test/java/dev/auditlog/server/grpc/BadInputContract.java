package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendRequest;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Outcome;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets INVALID_ARGUMENT (or RESOURCE_EXHAUSTED) naming the field; nothing is
 * stored. Run in-process over the in-memory store ({@link BadInputTest}) and over mutual TLS
 * and PostgreSQL ({@link BadInputIT}, which adds the transport's message size limit);
 * subclasses give one server for all the cases.
 */
abstract class BadInputContract {
  private AuditLogBlockingStub backend;

  /** The server, shared by every case of the class. */
  abstract AuditServerExtension server();

  /** How many entries the log holds, seen from the store's side. */
  abstract long storedEntries() throws Exception;

  @BeforeEach
  void backend() {
    backend = server().stub("auth-backend");
  }

  @AfterEach
  void nothingStored() throws Exception {
    assertEquals(0, storedEntries());
  }

  static Stream<Arguments> badEvents() {
    return Stream.of(
        bad("event.event_id", e -> e.clearEventId()),
        bad("event.event_id", e -> e.setEventId("not-a-uuid")),
        bad("event.event_id", e -> e.setEventId("123e4567e89b12d3a456426614174000")),
        bad("event.event_id", e -> e.setEventId("123e4567-e89b-12d3-a456-42661417400g")),
        bad("event.event_id", e -> e.setEventId("123e4567-e89b-12d3a-456-426614174000")),
        bad("event.event_id", e -> e.setEventId("123e4567-e89b-12d3-a456-4266141740000")),
        bad("event.action", e -> e.clearAction()),
        bad("event.action", e -> e.setAction("has space")),
        bad("event.action", e -> e.setAction("a".repeat(Limits.MAX_ACTION + 1))),
        bad("event.source_ip", e -> e.setSourceIp("300.1.1.1")),
        bad("event.source_ip", e -> e.setSourceIp("example.com")),
        bad("event.source_ip", e -> e.setSourceIp("fe80::1%nosuch0")),
        bad("event.source_ip", e -> e.setSourceIp("fe80::1%1")),
        bad("event.outcome", e -> e.setOutcome(Outcome.OUTCOME_UNSPECIFIED)),
        bad("event.outcome", e -> e.setOutcomeValue(99)),
        bad("event.user_id", e -> e.setUserId("u".repeat(Limits.MAX_USER_ID + 1))),
        bad("event.user_id", e -> e.setUserId("nul\0inside")),
        bad("event.target", e -> e.setTarget("t".repeat(Limits.MAX_TARGET + 1))),
        bad("event.occurred_at", e -> e.setOccurredAt(Timestamp.newBuilder().setSeconds(-1L << 40))),
        bad("event.occurred_at", e -> e.setOccurredAt(Timestamp.newBuilder().setNanos(-5))),
        bad("event.risk_signals", BadInputContract::tooManySignals),
        bad("event.risk_signals", e -> e.putRiskSignals("", "empty key")),
        bad("event.attributes", e -> e.putAttributes("k", "v".repeat(Limits.MAX_MAP_VALUE + 1))),
        bad("event.attributes", e -> e.putAttributes("k".repeat(Limits.MAX_MAP_KEY + 1), "v")),
        bad("event.attributes", e -> e.putAttributes("k", "nul\u0000inside")),
        bad("event.risk_signals", e -> e.putRiskSignals("nul\u0000key", "v")),
        bad("event.user_id", e -> e.setUserId("nul\u0000inside")));
  }

  private static Arguments bad(String field, UnaryOperator<AuditEvent.Builder> change) {
    return Arguments.of(field, change.apply(Events.registrationFailure().toBuilder()).build());
  }

  private static AuditEvent.Builder tooManySignals(AuditEvent.Builder e) {
    for (int i = 0; i <= Limits.MAX_MAP_ENTRIES; i++) {
      e.putRiskSignals("s" + i, "1");
    }
    return e;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badEvents")
  void append_badField_isInvalidArgumentNamingIt(String field, AuditEvent event) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> backend.append(Events.request(event)));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith(field), e.getStatus().toString());
  }

  @Test
  void append_withoutEvent_isInvalidArgumentNamingEvent() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> backend.append(AppendRequest.getDefaultInstance()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("event: "), e.getStatus().toString());
  }

  @Test
  void appendBatch_overTheLimit_isRefusedWhole() {
    AppendBatchRequest.Builder batch = AppendBatchRequest.newBuilder();
    for (int i = 0; i < 1001; i++) {
      batch.addEvents(Events.registrationFailure());
    }

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> backend.appendBatch(batch.build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("events: "), e.getStatus().toString());
  }

  @Test
  void appendBatch_empty_isInvalidArgument() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> backend.appendBatch(AppendBatchRequest.getDefaultInstance()));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
  }

  @Test
  void appendBatch_allEventsBad_storesNothingAndNamesEachIndex() {
    AuditEvent bad = Events.registrationFailure().toBuilder().clearAction().build();

    var r = backend.appendBatch(AppendBatchRequest.newBuilder().addEvents(bad).addEvents(bad).build());

    assertTrue(r.getResults(0).getError().getMessage().startsWith("events[0].action: "));
    assertTrue(r.getResults(1).getError().getMessage().startsWith("events[1].action: "));
  }
}
