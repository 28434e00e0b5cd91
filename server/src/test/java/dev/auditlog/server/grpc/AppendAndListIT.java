package dev.auditlog.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.AppendBatchResponse;
import dev.auditlog.api.v1.AppendResponse;
import dev.auditlog.api.v1.AuditEvent;
import dev.auditlog.api.v1.AuditLogGrpc.AuditLogBlockingStub;
import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import dev.auditlog.integrity.EntryHasher;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Append and List over real mutual TLS against a real PostgreSQL. */
class AppendAndListIT {
  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();
  private AuditLogBlockingStub backend;
  private AuditLogBlockingStub auditor;

  @BeforeEach
  void stubs() {
    backend = server.stub("auth-backend");
    auditor = server.stub("auditor");
  }

  @Test
  void append_thenList_returnsEveryFieldWithProducerFromCertificate() {
    AuditEvent event = Events.registrationFailure().toBuilder()
        .setSourceIp("2001:DB8:0:0::1").build();

    AppendResponse appended = backend.append(Events.request(event));
    List<Entry> entries = auditor.list(ListRequest.getDefaultInstance()).getEntriesList();

    assertEquals(1, entries.size());
    Entry e = entries.get(0);
    assertEquals(1, appended.getSeq());
    assertEquals(appended.getSeq(), e.getSeq());
    assertEquals(appended.getRecordedAt(), e.getRecordedAt());
    assertEquals(event.getEventId(), e.getEventId());
    assertEquals(event.getUserId(), e.getUserId());
    assertEquals("user.register", e.getAction());
    assertEquals("tenant/acme", e.getTarget());
    assertEquals("2001:db8::1", e.getSourceIp());
    assertEquals(event.getOutcome(), e.getOutcome());
    assertEquals(event.getOccurredAt(), e.getOccurredAt());
    assertEquals(event.getRiskSignalsMap(), e.getRiskSignalsMap());
    assertEquals(event.getAttributesMap(), e.getAttributesMap());
    assertEquals("auth-backend", e.getProducer());
    assertEquals(EntryHasher.entryHash(e), e.getEntryHash());
    assertEquals(appended.getEntryHash(), e.getEntryHash());
    assertEquals(EntryHasher.chainHash(EntryHasher.GENESIS_CHAIN_HASH, e.getEntryHash()),
        e.getChainHash());
    assertEquals(appended.getChainHash(), e.getChainHash());
  }

  @Test
  void append_sameEventTwice_returnsTheStoredEntry() {
    AuditEvent event = Events.registrationFailure();
    AppendResponse first = backend.append(Events.request(event));
    backend.append(Events.request(Events.registrationFailure()));

    AppendResponse retry = backend.append(Events.request(event));

    assertEquals(first, retry);
    assertEquals(2, auditor.list(ListRequest.getDefaultInstance()).getEntriesCount());
  }

  @Test
  void append_sameEventIdUppercase_isTheSameEvent() {
    AuditEvent event = Events.registrationFailure();
    AppendResponse first = backend.append(Events.request(event));

    AppendResponse retry = backend.append(Events.request(
        event.toBuilder().setEventId(event.getEventId().toUpperCase()).build()));

    assertEquals(first, retry);
  }

  @Test
  void append_sameEventIdOtherContent_isAlreadyExists() throws Exception {
    AuditEvent event = Events.registrationFailure();
    backend.append(Events.request(event));
    Entry before = auditor.list(ListRequest.getDefaultInstance()).getEntries(0);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> backend.append(
        Events.request(event.toBuilder().putRiskSignals("risk_score", "0.01").build())));

    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("event_id"), e.getStatus().toString());
    ListResponse after = auditor.list(ListRequest.getDefaultInstance());
    assertEquals(List.of(before), after.getEntriesList());
    assertEquals(1, server.db().countEntries());
  }

  @Test
  void appendBatch_badEventInTheMiddle_storesTheOthersInOrder() throws Exception {
    AuditEvent good1 = Events.registrationFailure();
    AuditEvent bad = Events.registrationFailure().toBuilder().setSourceIp("not-an-ip").build();
    AuditEvent good2 = Events.registrationFailure();

    AppendBatchResponse r = backend.appendBatch(AppendBatchRequest.newBuilder()
        .addEvents(good1).addEvents(bad).addEvents(good2).build());

    assertEquals(3, r.getResultsCount());
    assertEquals(1, r.getResults(0).getAppended().getSeq());
    assertEquals(Status.Code.INVALID_ARGUMENT.value(), r.getResults(1).getError().getCode());
    assertTrue(r.getResults(1).getError().getMessage().startsWith("events[1].source_ip"),
        r.getResults(1).getError().getMessage());
    assertEquals(2, r.getResults(2).getAppended().getSeq());
    List<Entry> entries = auditor.list(ListRequest.getDefaultInstance()).getEntriesList();
    assertEquals(List.of(good1.getEventId(), good2.getEventId()),
        entries.stream().map(Entry::getEventId).toList());
    Events.assertChain(entries);
  }

  @Test
  void appendBatch_retriedBatch_returnsTheSameResults() {
    AppendBatchRequest batch = AppendBatchRequest.newBuilder()
        .addEvents(Events.registrationFailure()).addEvents(Events.registrationFailure()).build();

    AppendBatchResponse first = backend.appendBatch(batch);
    AppendBatchResponse retry = backend.appendBatch(batch);

    assertEquals(first, retry);
    assertFalse(first.getResults(0).hasError());
  }
}
